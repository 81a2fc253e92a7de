import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, writeAudit } from '../../db/queries/audit.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a';

describe('settings page over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin });
    admin = new ConsoleClient(app.url);
    await admin.signIn('first-password');
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const valid = { language: 'en', timeZone: 'Europe/Berlin', retentionDays: '30' };

  it.each([
    [{ ...valid, timeZone: 'Mars/Olympus' }, 'timeZone', 'Not a known time zone', '无法识别的时区'],
    [{ ...valid, timeZone: '' }, 'timeZone', 'Not a known time zone', '无法识别的时区'],
    [{ ...valid, retentionDays: '0' }, 'retentionDays', 'from 1 to 3650', '1 到 3650'],
    [{ ...valid, retentionDays: '' }, 'retentionDays', 'from 1 to 3650', '1 到 3650'],
    [{ ...valid, retentionDays: '2.5' }, 'retentionDays', 'from 1 to 3650', '1 到 3650'],
    [{ ...valid, language: 'fr' }, 'language', 'Choose a language', '请选择一种语言'],
  ])('refuses %j with a message at the field, in EN and ZH, and saves nothing', async (form, field, en, zh) => {
    const before = app.deps.settings.general();
    const res = await admin.postForm('/settings', form);
    expect(res.status).toBe(422);
    expect(res.body).toContain(`id="${field}-error"`);
    expect(textOf(res.body)).toContain(en);
    const resZh = await admin.postForm('/settings', form, { 'accept-language': 'zh-CN' });
    expect(textOf(resZh.body)).toContain(zh);
    expect(app.deps.settings.general()).toEqual(before);
  });

  it('saves language, time zone and retention; messages follow the notification language', async () => {
    const res = await admin.submit('/settings', { language: 'zh', timeZone: ' Europe/Berlin ', retentionDays: '30' });
    expect(res.redirectedTo).toBe('/settings');
    expect(textOf(res.body)).toContain('Settings saved.');
    // A reload shows the page without the notice and saves nothing again.
    const audits = listAudit(app.deps.db, { limit: 100 }).length;
    expect(textOf((await admin.get('/settings')).body)).not.toContain('Settings saved.');
    expect(listAudit(app.deps.db, { limit: 100 })).toHaveLength(audits);
    expect(app.deps.settings.general()).toEqual({ timeZone: 'Europe/Berlin', retentionDays: 30 });
    expect(app.deps.settings.delivery().language).toBe('zh');
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    const content = JSON.stringify(fake.receivedFor(KEY).at(-1)?.body);
    expect(content).toContain('已连接');
    expect(listAudit(app.deps.db, { limit: 5 }).some((a) => a.action === 'settings.update')).toBe(true);
  });

  it('stores a time zone typed in another case by its canonical name, as the other forms do', async () => {
    const res = await admin.submit('/settings', { language: 'zh', timeZone: 'asia/SHANGHAI', retentionDays: '30' });
    expect(res.redirectedTo).toBe('/settings');
    expect(app.deps.settings.general().timeZone).toBe('Asia/Shanghai');
  });

  it('changes the password: wrong current refused, others signed out, the new one works', async () => {
    const other = new ConsoleClient(app.url);
    await other.signIn('first-password');
    const wrong = await admin.postForm('/settings/password', { current: 'nope', password: 'second-password', confirm: 'second-password' });
    expect(wrong.status).toBe(401);
    expect(textOf(wrong.body)).toContain('The current password is wrong.');
    const mismatch = await admin.postForm('/settings/password', { current: 'first-password', password: 'second-password', confirm: 'different-pass' });
    expect(mismatch.status).toBe(422);
    expect(textOf(mismatch.body)).toContain('do not match');
    // Said under the confirmation field, which it describes (as the first-run setup form does).
    expect(descriptionOf(mismatch.body, 'confirm')).toContain('do not match');
    expect(descriptionOf(wrong.body, 'current')).toContain('The current password is wrong.');
    const before = admin.cookies.get('scn_session');
    const csrfBefore = admin.csrf;
    const ok = await admin.postForm('/settings/password', { current: 'first-password', password: 'second-password', confirm: 'second-password' });
    expect(ok.status).toBe(303);
    // This browser continues under a new session: the cookie is replaced, the old token is dead (issue 20).
    expect(admin.cookies.get('scn_session')).toBeDefined();
    expect(admin.cookies.get('scn_session')).not.toBe(before);
    const page = await admin.get('/settings');
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Password changed');
    expect(admin.csrf).not.toBe(csrfBefore);
    const copied = new ConsoleClient(app.url);
    copied.cookies.set('scn_session', before!);
    expect((await copied.get('/settings')).status).toBe(302);
    expect((await other.get('/settings')).status).toBe(302);
    const fresh = new ConsoleClient(app.url);
    expect((await fresh.postForm('/login', { password: 'first-password' })).status).toBe(401);
    await fresh.signIn('second-password');
  });

  it('the audit log says what a refused password guess happened during in the reader’s language, also on rows stored in English words', async () => {
    const ZH = { 'accept-language': 'zh-CN,zh;q=0.9' };
    await admin.get('/settings', ZH);
    const wrong = await admin.postForm('/settings/password', { current: 'not-the-password', password: 'a-new-long-password', confirm: 'a-new-long-password' }, ZH);
    expect(wrong.status).toBe(401);
    // A row as the appliance stored it before: the words, not a code.
    writeAudit(app.deps.db, Date.now(), { actor: 'admin', action: 'login.failure', detail: { during: 'password change' }, ip: '192.0.2.7' });
    const rows = async (headers?: Record<string, string>) => [...(await admin.get('/audit', headers)).body.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => textOf(m[0]));
    const zh = await rows(ZH);
    expect(zh.find((r) => r.includes('192.0.2.7'))).toContain('发生于: 修改密码');
    expect(zh.find((r) => r.includes('127.0.0.1') && r.includes('发生于'))).toContain('发生于: 修改密码');
    expect(zh.filter((r) => r.includes('password change'))).toEqual([]);
    expect((await rows()).filter((r) => r.includes('during: password change'))).toHaveLength(zh.filter((r) => r.includes('发生于: 修改密码')).length);
    expect(listAudit(app.deps.db, { limit: 20 }).filter((a) => a.ip === '127.0.0.1' && a.detail?.includes('during')).map((a) => JSON.parse(a.detail!).during)).toContain('password_change');
  });

  it('signs out every session, this one included', async () => {
    const other = new ConsoleClient(app.url);
    await other.signIn('second-password');
    const res = await admin.postForm('/settings/sessions/revoke');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/login?signedOut=1');
    expect((await admin.get('/settings')).status).toBe(302);
    expect((await other.get('/settings')).status).toBe(302);
  });
});

describe('password change guesses count as failed sign-ins', () => {
  let app: TestAppliance;
  afterAll(async () => {
    await app.stop();
  });

  it('after 5 wrong current passwords: 429 with Retry-After, even with the right one, and sign-in is throttled too', async () => {
    app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9' });
    const admin = new ConsoleClient(app.url);
    await admin.signIn('first-password');
    const change = (current: string) => admin.postForm('/settings/password', { current, password: 'second-password', confirm: 'second-password' });
    for (let i = 0; i < 5; i++) expect((await change(`guess-${i}`)).status).toBe(401);
    const blocked = await change('first-password');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(textOf(blocked.body)).toContain('Too many failed attempts. Try again in 15 min.');
    const blockedZh = await admin.postForm('/settings/password', { current: 'first-password', password: 'second-password', confirm: 'second-password' }, { 'accept-language': 'zh-CN' });
    expect(textOf(blockedZh.body)).toContain('失败次数过多');
    // Each refused guess is in the audit log, as sign-in's are: one row per address and window.
    const throttled = listAudit(app.deps.db, { limit: 20 }).filter((a) => a.action === 'login.throttled');
    expect(throttled).toHaveLength(1);
    expect(JSON.parse(throttled[0]!.detail!)).toMatchObject({ during: 'password_change', attempts: 2 });
    // Nothing changed: the old password still is the password, once the throttle lets sign-ins through.
    expect((await new ConsoleClient(app.url).postForm('/login', { password: 'first-password' })).status).toBe(429);
    expect(listAudit(app.deps.db, { limit: 20 }).filter((a) => a.action === 'login.failure')).toHaveLength(5);
    expect(listAudit(app.deps.db, { limit: 20 }).some((a) => a.action === 'password.change')).toBe(false);
  });
});
