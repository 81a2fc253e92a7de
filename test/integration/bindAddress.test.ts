import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAppliance } from '../../server/appliance.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';

describe('HOST', () => {
  it('is the address the server listens on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'notifier-host-'));
    const lines: string[] = [];
    const appliance = await startAppliance(loadConfig({ PORT: '0', DATA_DIR: dataDir, HOST: '127.0.0.1', WECOM_API_ORIGIN: 'http://127.0.0.1:9' }), {
      log: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    });
    try {
      const listening = lines.map((l) => JSON.parse(l) as { msg?: string; host?: string }).find((l) => l.msg === 'listening');
      expect(listening?.host).toBe('127.0.0.1');
      expect((await fetch(`${appliance.url}/healthz`)).status).toBe(200);
    } finally {
      await appliance.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
