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
  let stopping = false;
  const stop = (signal: string) => {
    stopping = true;
    appliance.deps.log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void appliance.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // The API already answers while ADMIN_PASSWORD is checked; a check that fails (the database cannot
  // be written) stops the process as a failed start, unless it is stopping anyway.
  await appliance.deps.consoleReady?.catch((err: unknown) => {
    if (!stopping) throw err;
  });
}

main().catch((err: unknown) => {
  if (err instanceof StartupRefusal) {
    process.stderr.write(err.message + '\n');
    process.exit(1);
  }
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
