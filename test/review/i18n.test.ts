// Review of the console's two languages and the messages the appliance itself sends: each test
// below fails on the current code for the reason its name gives.
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../server/strings/translate.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'i18n-review-password';
const KEY = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const zh = translator('zh');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real appliance and fake WeCom; the console signed in and switched to Chinese. */
async function rig() {
  const fake = await startFakeWecom({ keys: [KEY] });
  cleanups.push(() => fake.close());
  const app: TestAppliance = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
  cleanups.push(() => app.stop());
  const c = new ConsoleClient(app.url);
  await c.signIn(PASSWORD);
  const lang = await c.get('/lang/zh?next=/');
  expect(lang.status).toBe(302);
  return { app, fake, c };
}

/** The visible text of the audit log row whose action reads `actionKey` in Chinese. */
async function auditRow(c: ConsoleClient, actionKey: Parameters<typeof zh>[0]): Promise<string> {
  const page = await c.get('/audit');
  expect(page.status).toBe(200);
  const rows = page.body.split('<tr>').map(textOf);
  const row = rows.find((r) => r.includes(zh(actionKey)));
  expect(row, `no audit row for ${zh(actionKey)}`).toBeDefined();
  return row!;
}

describe('the language switch keeps the page the reader was on', () => {
  it('switching language on a filtered send log keeps the filter (the switch link drops the query string)', async () => {
    const { c } = await rig();
    const page = await c.get('/send-log?status=dead&kind=alert');
    expect(page.status).toBe(200);
    const href = /href="(\/lang\/en\?next=[^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const switched = await c.get(href!);
    expect(switched.status).toBe(302);
    // The reader was looking at dead alerts; after the switch they see the whole, unfiltered log.
    expect(switched.location).toBe('/send-log?status=dead&kind=alert');
  });

  it('switching language on the sign-in page keeps where sign-in leads (next=)', async () => {
    const fake = await startFakeWecom({ keys: [KEY] });
    cleanups.push(() => fake.close());
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    cleanups.push(() => app.stop());
    const c = new ConsoleClient(app.url);
    const login = await c.get('/login?next=%2Fsend-log');
    expect(login.status).toBe(200);
    const href = /href="(\/lang\/zh\?next=[^"]*)"/.exec(login.body)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const switched = await c.get(href!);
    expect(switched.location).toBe('/login?next=%2Fsend-log');
  });
});

describe('the audit log on a Chinese console', () => {
  it('says in Chinese that a wrong password was typed while changing the password, not "password change"', async () => {
    const { c } = await rig();
    await c.get('/settings');
    const wrong = await c.postForm('/settings/password', { current: 'not-the-password-at-all', password: 'a-brand-new-password', confirm: 'a-brand-new-password' });
    expect(wrong.status).toBe(401);
    const row = await auditRow(c, 'audit.action.login.failure');
    expect(row).not.toContain('password change');
  });
});
