// The README's answer to "I forgot the admin password": restart with a new ADMIN_PASSWORD. Proven on
// one data directory across three starts, the way an operator would do it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getChannel } from '../../db/queries/channel.ts';
import { setAdminPasswordHash } from '../../db/queries/admin.ts';
import { connectBot } from '../../server/channel/wecomChannel.ts';
import { createPasswordHasher } from '../../server/security/passwords.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5b8e2f1c-7a4d-4c3e-9f0a-1d2c3b4a5e6f';
const FORGOTTEN = 'the one nobody wrote down';
const NEW = 'a-new-long-password-2026';

async function canSignIn(url: string, password: string): Promise<boolean> {
  const client = new ConsoleClient(url);
  await client.get('/login');
  return (await client.postForm('/login', { password })).status === 303;
}

describe('forgotten admin password', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'forgotten-password-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a restart with a new ADMIN_PASSWORD replaces it, keeps the bot, and the password stays once the variable is removed', async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    try {
      // First life: the password was chosen in the console (no ADMIN_PASSWORD) and a bot connected.
      const first = await startTestAppliance({ wecomOrigin: fake.origin, dataDir });
      setAdminPasswordHash(first.deps.db, await createPasswordHasher({ n: 2 ** 14 }).hash(FORGOTTEN), Date.now());
      expect(await connectBot(first.deps, KEY, { ip: null })).toMatchObject({ ok: true });
      await first.stop();

      const reset = await startTestAppliance({ wecomOrigin: fake.origin, dataDir, env: { ADMIN_PASSWORD: NEW } });
      try {
        expect(reset.logs.some((line) => line.includes('ADMIN_PASSWORD replaced the stored admin password'))).toBe(true);
        expect(await canSignIn(reset.url, FORGOTTEN)).toBe(false);
        expect(await canSignIn(reset.url, NEW)).toBe(true);
        expect(getChannel(reset.deps.db)?.keyLast4).toBe(KEY.slice(-4));
      } finally {
        await reset.stop();
      }

      const after = await startTestAppliance({ wecomOrigin: fake.origin, dataDir });
      try {
        expect(await canSignIn(after.url, NEW)).toBe(true);
      } finally {
        await after.stop();
      }
    } finally {
      await fake.close();
    }
  });
});
