import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginThrottle } from '../../server/security/loginThrottle.ts';
import { hashPassword, verifyPassword } from '../../server/security/passwords.ts';
import { createSecretBox, DATA_KEY_FILE, loadDataKey } from '../../server/security/secretBox.ts';
import { safeEqual } from '../../server/security/tokens.ts';
import { safeLocalPath } from '../../server/routes/safeRedirect.ts';

describe('passwords (scrypt)', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(hash);
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
  it('blocks after 5 failures in 15 minutes until the oldest leaves the window', () => {
    let now = 0;
    const t = createLoginThrottle({ clock: { now: () => now } });
    for (let i = 0; i < 5; i++) {
      expect(t.retryAfterMs('ip')).toBe(0);
      t.recordFailure('ip');
      now += 1000;
    }
    expect(t.retryAfterMs('ip')).toBe(15 * 60_000 - 5000);
    expect(t.retryAfterMs('other')).toBe(0);
    now = 15 * 60_000 + 1;
    expect(t.retryAfterMs('ip')).toBe(0);
    t.recordSuccess('ip');
    expect(t.retryAfterMs('ip')).toBe(0);
  });
});

describe('small guards', () => {
  it('compares tokens in constant time without length tricks', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
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
