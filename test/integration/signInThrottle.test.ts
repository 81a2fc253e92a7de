import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'throttle-test-password';
const WINDOW_MS = 15 * 60_000;

/** Wrong passwords that reached scrypt: each is audited as a failure. */
const verifiedFailures = (app: TestAppliance) => listAudit(app.deps.db, { limit: 10_000 }).filter((a) => a.action === 'login.failure').length;
/** Refused attempts (throttled or busy) since `at`: the audit rows, and the attempts they count. */
function refusedAudit(app: TestAppliance, at: number): { rows: number; attempts: number } {
  const rows = listAudit(app.deps.db, { limit: 10_000 }).filter((a) => (a.action === 'login.throttled' || a.action === 'login.busy') && a.at >= at);
  return { rows: rows.length, attempts: rows.reduce((n, r) => n + (JSON.parse(r.detail ?? '{}') as { attempts: number }).attempts, 0) };
}

describe('sign-in throttle under concurrent guesses (real HTTP, one client address)', () => {
  let app: TestAppliance;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  beforeAll(async () => {
    app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD }, clock });
  });
  afterAll(async () => {
    await app.stop();
  });

  it.each([60, 200])('%i concurrent wrong guesses: at most 5 verified; the right password refused until the window passes', async (burst) => {
    offset += WINDOW_MS + 1000; // a fresh window for each burst
    const before = verifiedFailures(app);
    const start = clock.now();
    let refused = 0;
    const count = (status: number) => {
      if (status === 429) refused++;
      return status;
    };
    const statuses = await Promise.all(Array.from({ length: burst }, (_, i) => new ConsoleClient(app.url).postForm('/login', { password: `guess-${burst}-${i}` }).then((r) => count(r.status))));
    // Past 128 connections at once from one address the connection cap answers 503 before sign-in is reached.
    expect(statuses.every((s) => s === 401 || s === 429 || (burst > 128 && s === 503))).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(verifiedFailures(app) - before).toBeLessThanOrEqual(5);
    // The burst's keep-alive connections count against this address's cap until the server closes them idle (5 s).
    expect(await waitFor(() => app.deps.counters!.connections.open < 8, 10_000)).toBe(true);
    // Guesses refused as "busy" were not counted; keep guessing one at a time until the client is locked out.
    for (let i = 0; verifiedFailures(app) - before < 5 && i < 10; i++) count((await new ConsoleClient(app.url).postForm('/login', { password: `more-${i}` })).status);
    expect(verifiedFailures(app) - before).toBe(5);
    const right = await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD });
    expect(count(right.status)).toBe(429);
    expect(right.headers.getSetCookie()).toEqual([]);
    offset += WINDOW_MS - 60_000;
    expect(count((await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD })).status)).toBe(429);
    // Every refused attempt is in the audit log, coalesced: one row per kind of refusal (throttled, busy) and window.
    const audited = refusedAudit(app, start);
    expect(audited.attempts).toBe(refused);
    expect(audited.rows).toBeGreaterThanOrEqual(1);
    expect(audited.rows).toBeLessThanOrEqual(2);
    offset += 61_000;
    expect((await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD })).status).toBe(303);
    expect(verifiedFailures(app) - before).toBe(5);
  }, 60_000);

  it('60 concurrent wrong current passwords on the password-change form: at most 5 verified, then 429', async () => {
    offset += WINDOW_MS + 1000;
    const admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    const before = verifiedFailures(app);
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => admin.postForm('/settings/password', { current: `guess-${i}`, password: 'new-password-123', confirm: 'new-password-123' }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(verifiedFailures(app) - before).toBeLessThanOrEqual(5);
    expect(listAudit(app.deps.db, { limit: 100 }).some((a) => a.action === 'password.change')).toBe(false);
  }, 60_000);

  it('remembers no client for longer than the window', async () => {
    offset += WINDOW_MS + 61_000;
    await new ConsoleClient(app.url).postForm('/login', { password: 'one-more-guess' });
    expect(app.deps.loginThrottle.size()).toBe(1);
  });
});

describe('client address behind a reverse proxy', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY is set; with it, counts per forwarded address and per IPv6 /64', async () => {
    const direct = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD } });
    try {
      // Rotating a forged header does not escape the throttle: the socket address counts.
      for (let i = 0; i < 5; i++) expect((await new ConsoleClient(direct.url).postForm('/login', { password: 'x' + i }, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401);
      expect((await new ConsoleClient(direct.url).postForm('/login', { password: PASSWORD }, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429);
    } finally {
      await direct.stop();
    }
    // A proxy named in TRUST_PROXY that is not this client: the header from 127.0.0.1 is still ignored,
    // and the audit log keeps the real address, never an invented one (issue 20).
    const elsewhere = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: '192.0.2.10' } });
    try {
      for (let i = 0; i < 5; i++) expect((await new ConsoleClient(elsewhere.url).postForm('/login', { password: 'x' + i }, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401);
      expect((await new ConsoleClient(elsewhere.url).postForm('/login', { password: PASSWORD }, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429);
      expect(new Set(listAudit(elsewhere.deps.db, { limit: 20 }).filter((a) => a.action === 'login.failure').map((a) => a.ip))).toEqual(new Set(['127.0.0.1']));
    } finally {
      await elsewhere.stop();
    }
    const proxied = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'loopback' } });
    try {
      const from = (xff: string, password: string) => new ConsoleClient(proxied.url).postForm('/login', { password }, { 'x-forwarded-for': xff });
      // One IPv6 subscriber walking through its /64 is one client.
      for (let i = 1; i <= 5; i++) expect((await from(`2001:db8:aa:bb::${i.toString(16)}`, 'wrong-' + i)).status).toBe(401);
      expect((await from('2001:db8:aa:bb:ffff:1:2:3', PASSWORD)).status).toBe(429);
      // Someone else behind the same proxy is not locked out; the left-most (client-supplied) entry is not trusted.
      expect((await from('2001:db8:aa:bb::9, 203.0.113.5', PASSWORD)).status).toBe(303);
      const audit = listAudit(proxied.deps.db, { limit: 20 }).find((a) => a.action === 'login.success');
      expect(audit?.ip).toBe('203.0.113.5');
    } finally {
      await proxied.stop();
    }
  });

  it('one client flooding sign-in behind the proxy holds one password-check slot: the admin still signs in (issue 20)', async () => {
    // Real scrypt cost, so each check takes long enough for the flood to overlap the admin's.
    const app = await startTestAppliance({ wecomOrigin: 'http://127.0.0.1:9', env: { ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'loopback' }, scryptN: 2 ** 17 });
    try {
      let flooding = true;
      const flood = Array.from({ length: 16 }, async () => {
        const statuses: number[] = [];
        for (let i = 0; flooding && i < 100; i++) statuses.push((await new ConsoleClient(app.url).postForm('/login', { password: 'flood-' + i }, { 'x-forwarded-for': '198.51.100.7' })).status);
        return statuses;
      });
      const admin: number[] = [];
      for (let i = 0; i < 5; i++) admin.push((await new ConsoleClient(app.url).postForm('/login', { password: PASSWORD }, { 'x-forwarded-for': '203.0.113.5' })).status);
      flooding = false;
      const flooded = (await Promise.all(flood)).flat();
      expect(admin).toEqual(Array(5).fill(303));
      expect(flooded.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(flooded.every((s) => s === 401 || s === 429)).toBe(true);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
