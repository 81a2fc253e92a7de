import { ConfigError, loadConfig } from './config.ts';
import { startAppliance } from './appliance.ts';
import { StartupRefusal } from './databaseUpgrade.ts';

async function main(): Promise<void> {
  // Everything the appliance creates (database, data key, backups) is readable by its own user only.
  process.umask(0o077);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
  const appliance = await startAppliance(config);
  const stop = (signal: string) => {
    appliance.deps.log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void appliance.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof StartupRefusal) {
    process.stderr.write(err.message + '\n');
    process.exit(1);
  }
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
