import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, WECOM_ORIGIN } from '../../server/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, dataDir: './data', timezone: 'Asia/Shanghai', logLevel: 'info', wecomApiOrigin: WECOM_ORIGIN });
    expect(c.wecomOriginOverridden).toBe(false);
    expect(c.host).toBe('0.0.0.0');
  });

  it('HOST chooses the bind address: an IP or a host name', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ HOST: ' localhost ' }).host).toBe('localhost');
    expect(() => loadConfig({ HOST: 'http://0.0.0.0' })).toThrow(/^Invalid configuration: HOST must be an IP address/);
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a whole number/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT /],
    [{ LOG_LEVEL: 'verbose' }, /^Invalid configuration: LOG_LEVEL must be one of debug, info, warn, error/],
    [{ TZ: 'Mars/Olympus' }, /^Invalid configuration: TZ is not a known IANA time zone/],
    [{ SECRET_KEY: 'short' }, /^Invalid configuration: SECRET_KEY must be at least 32 characters/],
    [{ ADMIN_PASSWORD: 'eleven-char' }, /^Invalid configuration: ADMIN_PASSWORD must be at least 12 characters$/],
    [{ TRUST_PROXY: 'yes' }, /^Invalid configuration: TRUST_PROXY must be the reverse proxies it trusts/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^Invalid configuration: TRUST_PROXY must be the reverse proxies it trusts/],
    [{ TRUST_PROXY: '*' }, /^Invalid configuration: TRUST_PROXY must be the reverse proxies it trusts/],
    // "Anyone" is never a setting: the old boolean is refused with how to name the proxy (issue 20).
    [{ TRUST_PROXY: 'true' }, /^Invalid configuration: TRUST_PROXY no longer accepts true: name the proxies it trusts, e\.g\. TRUST_PROXY=private/],
    [{ TRUST_PROXY: '1' }, /^Invalid configuration: TRUST_PROXY no longer accepts true/],
    [{ METRICS_DETAIL: 'yes' }, /^Invalid configuration: METRICS_DETAIL must be 1 \(rule names in \/metrics\) or 0/],
    [{ ALLOWED_HOSTS: 'https://notifier.lan' }, /^Invalid configuration: ALLOWED_HOSTS must be host names/],
    [{ ADMIN_PASSWORD: 'twelve-chars', ADMIN_PASSWORD_FILE: '/run/secrets/admin' }, /^Invalid configuration: set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE, not both$/],
    [{ SECRET_KEY_FILE: '/nonexistent/secret' }, /^Invalid configuration: SECRET_KEY_FILE cannot be read \(ENOENT: \/nonexistent\/secret\)$/],
    [{ WECOM_API_ORIGIN: 'http://127.0.0.1:9090/cgi-bin' }, /^Invalid configuration: WECOM_API_ORIGIN must be an origin/],
    [{ WECOM_API_ORIGIN: 'ftp://x' }, /^Invalid configuration: WECOM_API_ORIGIN /],
    // A window shorter than WeCom's own would 45009 every burst sent to the real WeCom.
    [{ WECOM_RATE_WINDOW_MS: '1000' }, /^Invalid configuration: WECOM_RATE_WINDOW_MS is for tests against a fake WeCom \(with WECOM_API_ORIGIN\); WeCom itself counts 60 s \(got "1000"\)$/],
    [{ WECOM_API_ORIGIN: 'https://qyapi.weixin.qq.com', WECOM_RATE_WINDOW_MS: '1000' }, /^Invalid configuration: WECOM_RATE_WINDOW_MS is for tests/],
    [{ PUBLIC_URL: 'notifier.example.com' }, /^Invalid configuration: PUBLIC_URL must be the console address people open/],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /^Invalid configuration: PUBLIC_URL /],
    [{ PUBLIC_URL: 'https://notifier.example.com/?x=1' }, /^Invalid configuration: PUBLIC_URL /],
    [{ PUBLIC_URL: 'https://user:pw@notifier.example.com' }, /^Invalid configuration: PUBLIC_URL /],
  ])('fails fast with one line naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('ADMIN_PASSWORD of 6 emoji stops the start like any password shorter than 12 characters', () => {
    // Characters as typed (code points): String.length counts each of these emoji twice.
    const six = '\u{1F600}\u{1F601}\u{1F602}\u{1F603}\u{1F604}\u{1F605}';
    expect(() => loadConfig({ ADMIN_PASSWORD: six })).toThrow(new ConfigError('Invalid configuration: ADMIN_PASSWORD must be at least 12 characters'));
    expect(loadConfig({ ADMIN_PASSWORD: six + six }).adminPassword).toBe(six + six);
  });

  it('never echoes a secret value in the error line', () => {
    try {
      loadConfig({ SECRET_KEY: 'tiny-secret' });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('tiny-secret');
      expect(String(err).split('\n')).toHaveLength(1);
    }
  });

  it('reads ADMIN_PASSWORD_FILE, SECRET_KEY_FILE and METRICS_TOKEN_FILE (Docker secrets), without their trailing line break', () => {
    const files: Record<string, string> = { '/run/secrets/a': 'a-file-password\n', '/run/secrets/s': 's'.repeat(40) + '\r\n', '/run/secrets/m': 'metrics-token-0123456789' };
    const c = loadConfig({ ADMIN_PASSWORD_FILE: '/run/secrets/a', SECRET_KEY_FILE: '/run/secrets/s', METRICS_TOKEN_FILE: '/run/secrets/m' }, (p) => ({ text: files[p]!, mode: 0o444 }));
    expect(c.adminPassword).toBe('a-file-password');
    expect(c.secretKey).toBe('s'.repeat(40));
    expect(c.metricsToken).toBe('metrics-token-0123456789');
    // A file's value is checked like the variable's, and never echoed.
    expect(() => loadConfig({ ADMIN_PASSWORD_FILE: '/x' }, () => ({ text: 'short-pass\n', mode: 0o400 }))).toThrow(/^Invalid configuration: ADMIN_PASSWORD must be at least 12 characters$/);
  });

  it('refuses a secret file other users may write, with one line saying how to fix it (issue 20)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
    try {
      const file = join(dir, 'admin');
      writeFileSync(file, 'a-file-password\n');
      chmodSync(file, 0o666);
      expect(() => loadConfig({ ADMIN_PASSWORD_FILE: file })).toThrow(new ConfigError(`Invalid configuration: ADMIN_PASSWORD_FILE is writable by other users (mode 0666): run chmod go-w ${file}`));
      chmodSync(file, 0o620);
      expect(() => loadConfig({ ADMIN_PASSWORD_FILE: file })).toThrow(/ADMIN_PASSWORD_FILE is writable by other users \(mode 0620\)/);
      chmodSync(file, 0o644);
      expect(loadConfig({ ADMIN_PASSWORD_FILE: file }).adminPassword).toBe('a-file-password');
      chmodSync(file, 0o400);
      expect(loadConfig({ ADMIN_PASSWORD_FILE: file }).adminPassword).toBe('a-file-password');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['ADMIN_PASSWORD', 'SECRET_KEY', 'METRICS_TOKEN', 'FALLBACK_WEBHOOK_URL'])(
    'an empty %s_FILE stops the start instead of being taken as "not set"',
    (name) => {
      // A secret file not filled yet, or truncated: taken as "not set" it would mean the setup code
      // (anyone claims the console), a generated data key (the real one later opens nothing sealed),
      // a public /metrics. Only the trailing line break is dropped before the check.
      const path = `/run/secrets/${name.toLowerCase()}`;
      expect(() => loadConfig({ [`${name}_FILE`]: path }, () => ({ text: '\n', mode: 0o400 }))).toThrow(
        new ConfigError(`Invalid configuration: ${name}_FILE is empty (${path})`),
      );
      expect(() => loadConfig({ [`${name}_FILE`]: path }, () => ({ text: '', mode: 0o444 }))).toThrow(/_FILE is empty/);
      // The plain variable left empty (compose's `${ADMIN_PASSWORD:-}`) is still "not set".
      expect(() => loadConfig({ [name]: '' })).not.toThrow();
    },
  );

  it('trusts no proxy by default, and takes ALLOWED_HOSTS as lower-case names', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: ' Private ' }).trustProxy).toEqual(['private']);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 172.18.0.0/16,192.0.2.10,FD00::/8' }).trustProxy).toEqual(['loopback', '172.18.0.0/16', '192.0.2.10', 'fd00::/8']);
    expect(loadConfig({}).allowedHosts).toEqual([]);
    expect(loadConfig({ ALLOWED_HOSTS: 'Notifier.LAN, 192.168.1.10,[fd00::5]' }).allowedHosts).toEqual(['notifier.lan', '192.168.1.10', '[fd00::5]']);
  });

  it('takes PUBLIC_URL without its trailing slash, keeping a path prefix; unset by default', () => {
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ PUBLIC_URL: 'https://Notifier.Example.com/' }).publicUrl).toBe('https://notifier.example.com');
    expect(loadConfig({ PUBLIC_URL: 'http://10.0.0.5:8080/notifier/' }).publicUrl).toBe('http://10.0.0.5:8080/notifier');
  });

  it('takes WECOM_API_ORIGIN for tests and demos only through the environment', () => {
    const c = loadConfig({ WECOM_API_ORIGIN: 'http://127.0.0.1:9090', PORT: '0', TZ: 'Europe/Berlin' });
    expect(c.wecomApiOrigin).toBe('http://127.0.0.1:9090');
    expect(c.wecomOriginOverridden).toBe(true);
    expect(c.port).toBe(0);
    expect(c.timezone).toBe('Europe/Berlin');
    expect(loadConfig({ WECOM_API_ORIGIN: 'http://127.0.0.1:9090', WECOM_RATE_WINDOW_MS: '1000' }).rateWindowMs).toBe(1000);
    expect(loadConfig({ WECOM_RATE_WINDOW_MS: '60000' }).rateWindowMs).toBe(60_000);
  });
});

describe('self-watch configuration', () => {
  it('FALLBACK_WEBHOOK_URL: unset by default; a WeCom bot or an http(s) URL; refused with one line that never shows it', () => {
    expect(loadConfig({})).toMatchObject({ fallbackWebhookUrl: undefined, selfWatch: { unreachableMs: 300_000, queuedMs: 900_000 } });
    expect(loadConfig({ FALLBACK_WEBHOOK_URL: 'https://alerts.example.com/hook/abc' }).fallbackWebhookUrl).toBe('https://alerts.example.com/hook/abc');
    const secret = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-4e5f';
    let line = '';
    try {
      loadConfig({ FALLBACK_WEBHOOK_URL: secret });
    } catch (err) {
      line = String((err as ConfigError).message);
    }
    expect(line).toMatch(/^Invalid configuration: FALLBACK_WEBHOOK_URL is not a usable WeCom webhook URL \(\w+\)$/);
    expect(line).not.toContain('0a1b2c3d');
    expect(() => loadConfig({ FALLBACK_WEBHOOK_URL: 'https://qyapi.weixin.qq.com./cgi-bin/webhook/send?key=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })).toThrow(
      /^Invalid configuration: FALLBACK_WEBHOOK_URL is not a usable WeCom webhook URL \(wrong_host\)$/,
    );
    expect(() => loadConfig({ FALLBACK_WEBHOOK_URL: 'ftp://example.com/x' })).toThrow(/^Invalid configuration: FALLBACK_WEBHOOK_URL must be an http/);
    expect(loadConfig({ FALLBACK_WEBHOOK_URL_FILE: '/run/secrets/fallback' }, () => ({ text: 'https://alerts.example.com/x\n', mode: 0o400 })).fallbackWebhookUrl).toBe('https://alerts.example.com/x');
  });

  it('SELF_WATCH_*_MINUTES take fractions', () => {
    expect(loadConfig({ SELF_WATCH_UNREACHABLE_MINUTES: '0.5', SELF_WATCH_QUEUED_MINUTES: '30' }).selfWatch).toEqual({ unreachableMs: 30_000, queuedMs: 1_800_000 });
    expect(() => loadConfig({ SELF_WATCH_QUEUED_MINUTES: 'soon' })).toThrow(/^Invalid configuration: SELF_WATCH_QUEUED_MINUTES must be minutes, e.g. 5 or 0.5 \(got "soon"\)$/);
    expect(() => loadConfig({ SELF_WATCH_UNREACHABLE_MINUTES: '0' })).toThrow(/^Invalid configuration: SELF_WATCH_UNREACHABLE_MINUTES must be minutes from 0.01 to 1440/);
  });
});
