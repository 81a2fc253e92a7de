import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientAddress, proxyTrust, throttleKey } from '../../server/security/clientAddress.ts';
import { createLoginThrottle } from '../../server/security/loginThrottle.ts';
import { createPasswordHasher, SCRYPT_N } from '../../server/security/passwords.ts';
import { createSetupCode } from '../../server/security/setupCode.ts';
import { createSecretBox, DATA_KEY_FILE, loadDataKey } from '../../server/security/secretBox.ts';
import { equalDigests, safeEqual, sha256 } from '../../server/security/tokens.ts';
import { safeLocalPath } from '../../server/routes/safeRedirect.ts';

describe('passwords (scrypt)', () => {
  it('hashes at N = 2^17 by default (OWASP), within scrypt\'s memory limit', async () => {
    expect(SCRYPT_N).toBeGreaterThanOrEqual(2 ** 17);
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('correct horse battery');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await hasher.verify('correct horse battery', hash)).toEqual({ ok: true, needsRehash: false });
  });
  it('verifies the right password, refuses others, and flags hashes made at a lower cost', async () => {
    const cheap = createPasswordHasher({ n: 2 ** 12 });
    const hash = await cheap.hash('correct horse');
    expect(await cheap.verify('correct horse', hash)).toEqual({ ok: true, needsRehash: false });
    expect(await cheap.verify('correct hors', hash)).toEqual({ ok: false, needsRehash: false });
    expect(await cheap.verify('correct horse', 'garbage')).toEqual({ ok: false, needsRehash: false });
    expect(await cheap.hash('correct horse')).not.toBe(hash);
    const stronger = createPasswordHasher({ n: 2 ** 13 });
    expect(await stronger.verify('correct horse', hash)).toEqual({ ok: true, needsRehash: true });
    expect(await stronger.verify('wrong horse', hash)).toEqual({ ok: false, needsRehash: false });
    // A stored hash cannot make the appliance allocate gigabytes.
    expect(await stronger.verify('correct horse', hash.replace('$4096$', '$4194304$'))).toEqual({ ok: false, needsRehash: false });
  });
});

describe('setup code', () => {
  it('is 20 unambiguous characters in groups of four, accepted without regard to case, spaces or dashes', () => {
    const code = createSetupCode();
    expect(code.display).toMatch(/^([2-9A-HJKMNP-Z]{4}-){4}[2-9A-HJKMNP-Z]{4}$/);
    expect(code.matches(code.display)).toBe(true);
    expect(code.matches(code.display.toLowerCase().replace(/-/g, ' '))).toBe(true);
    expect(code.matches(code.display.slice(0, -1))).toBe(false);
    expect(code.matches('')).toBe(false);
    expect(createSetupCode().display).not.toBe(code.display);
  });
});

describe('secret box (AES-256-GCM)', () => {
  const key = Buffer.alloc(32, 7);
  it('round-trips and never contains the plaintext', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c');
    expect(sealed).not.toContain('3f2a9c4e');
    expect(box.open(sealed)).toBe('3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });
  it('refuses a tampered value or the wrong key', () => {
    const sealed = createSecretBox(key).seal('secret');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => createSecretBox(key).open(parts.join(':'))).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow();
    expect(() => createSecretBox(key).open('v0:x')).toThrow(/unknown format/);
  });
  it('generates the data key once into a 0600 file, or derives it from SECRET_KEY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    const first = loadDataKey({ secretKey: undefined, dataDir: dir });
    const file = join(dir, DATA_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadDataKey({ secretKey: undefined, dataDir: dir }).equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('base64'));
    const fromEnv = loadDataKey({ secretKey: 'x'.repeat(40), dataDir: dir });
    expect(fromEnv).toHaveLength(32);
    expect(fromEnv.equals(first)).toBe(false);
    expect(loadDataKey({ secretKey: 'x'.repeat(40), dataDir: dir }).equals(fromEnv)).toBe(true);
  });
});

describe('login throttle', () => {
  it('blocks after 5 attempts in 15 minutes until the oldest leaves the window; a success forgives', () => {
    let now = 0;
    const t = createLoginThrottle({ clock: { now: () => now } });
    for (let i = 0; i < 5; i++) {
      const v = t.begin('ip');
      if (!v.allowed) throw new Error('refused too early');
      v.attempt.failed();
      now += 1000;
    }
    expect(t.begin('ip')).toEqual({ allowed: false, reason: 'throttled', retryAfterMs: 15 * 60_000 - 5000 });
    expect(t.begin('other').allowed).toBe(true);
    now = 15 * 60_000 + 1;
    const again = t.begin('ip');
    expect(again.allowed).toBe(true);
    if (again.allowed) again.attempt.succeeded();
    for (let i = 0; i < 4; i++) {
      const v = t.begin('ip');
      if (v.allowed) v.attempt.failed();
    }
    expect(t.begin('ip').allowed).toBe(true);
  });

  it('counts an attempt when it begins, so attempts still running count against the client', () => {
    const t = createLoginThrottle({ clock: { now: () => 0 }, maxConcurrent: 100, maxConcurrentPerClient: 100 });
    const started = Array.from({ length: 60 }, () => t.begin('ip'));
    expect(started.filter((v) => v.allowed)).toHaveLength(5);
    expect(started.slice(5).every((v) => !v.allowed && v.reason === 'throttled')).toBe(true);
  });

  it('caps password checks running at once over all clients, and frees the slot when one ends', () => {
    const t = createLoginThrottle({ clock: { now: () => 0 }, maxConcurrent: 2 });
    const a = t.begin('a');
    const b = t.begin('b');
    expect(t.begin('c')).toEqual({ allowed: false, reason: 'busy', retryAfterMs: 1000 });
    if (a.allowed) a.attempt.failed();
    if (a.allowed) a.attempt.failed(); // settling twice frees one slot, not two
    expect(t.begin('c').allowed).toBe(true);
    expect(t.begin('d').allowed).toBe(false);
    expect(b.allowed).toBe(true);
  });

  it('gives each client one password check at a time before the global slots, so one client cannot starve the admin (issue 20)', () => {
    const t = createLoginThrottle({ clock: { now: () => 0 } });
    const flood = Array.from({ length: 16 }, () => t.begin('198.51.100.7'));
    expect(flood.filter((v) => v.allowed)).toHaveLength(1);
    expect(flood.slice(1).every((v) => !v.allowed && v.reason === 'busy')).toBe(true);
    const admin = t.begin('203.0.113.5');
    expect(admin.allowed).toBe(true);
    // Both global slots are taken now (one each): a third client waits.
    expect(t.begin('192.0.2.1')).toEqual({ allowed: false, reason: 'busy', retryAfterMs: 1000 });
    if (flood[0]!.allowed) flood[0]!.attempt.failed();
    expect(t.begin('198.51.100.7').allowed).toBe(true);
    expect(t.begin('198.51.100.7')).toMatchObject({ allowed: false, reason: 'busy' });
  });

  it('forgets clients whose attempts have left the window', () => {
    let now = 0;
    const t = createLoginThrottle({ clock: { now: () => now } });
    for (let i = 0; i < 1000; i++) {
      const v = t.begin(`10.0.${i >> 8}.${i & 255}`);
      if (v.allowed) v.attempt.failed();
    }
    expect(t.size()).toBe(1000);
    now = 16 * 60_000;
    t.begin('10.9.9.9');
    expect(t.size()).toBe(1);
  });
});

describe('client address', () => {
  it('groups IPv6 by /64, maps IPv4-mapped IPv6 to IPv4, keeps IPv4', () => {
    expect(throttleKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:DB8:1:2:ffff::9%eth0')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(throttleKey('::ffff:c000:207')).toBe('192.0.2.7');
    expect(throttleKey('192.0.2.7')).toBe('192.0.2.7');
    expect(throttleKey(undefined)).toBe('unknown');
  });
  it('reads X-Forwarded-For only from a trusted proxy, from the right, up to the first address that is no trusted proxy (issue 20)', () => {
    const none = proxyTrust([]);
    const docker = proxyTrust(['172.18.0.0/16']);
    const local = proxyTrust(['private']);
    expect(clientAddress('10.0.0.2', '203.0.113.9', none)).toBe('10.0.0.2');
    // Reachable directly: a client that is not the proxy cannot name another address.
    expect(clientAddress('203.0.113.66', '198.51.100.1', docker)).toBe('203.0.113.66');
    expect(clientAddress('172.18.0.2', '1.1.1.1, 203.0.113.9', docker)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:172.18.0.2', '203.0.113.9', docker)).toBe('203.0.113.9');
    // Two trusted hops (a LAN proxy behind the Docker one) are skipped; the client's own entries are not read.
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9, 192.168.1.5', local)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', '192.168.1.5, 10.0.0.1', local)).toBe('192.168.1.5');
    expect(clientAddress('172.18.0.2', '203.0.113.9, not-an-ip', docker)).toBe('172.18.0.2');
    expect(clientAddress('172.18.0.2', undefined, docker)).toBe('172.18.0.2');
  });

  it('trusts addresses, CIDRs and the loopback / private shortcuts, IPv4-mapped IPv6 as IPv4', () => {
    const trust = proxyTrust(['192.0.2.10', 'fd00::/8', 'loopback']);
    expect(['192.0.2.10', '::ffff:192.0.2.10', 'fd00::5', '127.0.0.9', '::1'].map(trust)).toEqual([true, true, true, true, true]);
    expect(['192.0.2.11', '10.0.0.1', 'fe80::1', undefined, 'junk'].map(trust)).toEqual([false, false, false, false, false]);
    const priv = proxyTrust(['private']);
    expect(['10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.1.1', 'fc00::1', '127.0.0.1'].every(priv)).toBe(true);
    expect(['172.32.0.1', '8.8.8.8', '2001:db8::1'].some(priv)).toBe(false);
  });
});

describe('small guards', () => {
  it('compares tokens in constant time without length tricks', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
  it('compares hex digests without hashing them again, and refuses anything but two whole digests', () => {
    const a = sha256('scn_token-a');
    expect(equalDigests(a, sha256('scn_token-a'))).toBe(true);
    expect(equalDigests(a, sha256('scn_token-b'))).toBe(false);
    expect(equalDigests(a, a.slice(0, 62))).toBe(false);
    // Buffer.from(hex) stops at the first non-hex character: a digest with garbage after it is not equal.
    expect(equalDigests(a, a + 'zz')).toBe(false);
    expect(equalDigests(a.slice(0, 62) + 'zz', a.slice(0, 62) + 'yy')).toBe(false);
  });
  it.each([
    ['/send-log?status=dead', '/send-log?status=dead'],
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['/a b', '/'],
    ['', '/'],
    [undefined, '/'],
  ])('keeps redirects on this site: %s → %s', (input, expected) => {
    expect(safeLocalPath(input)).toBe(expected);
  });
});
