import { describe, expect, it } from 'vitest';
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
    [{ ADMIN_PASSWORD: 'short' }, /^Invalid configuration: ADMIN_PASSWORD must be at least 8 characters/],
    [{ WECOM_API_ORIGIN: 'http://127.0.0.1:9090/cgi-bin' }, /^Invalid configuration: WECOM_API_ORIGIN must be an origin/],
    [{ WECOM_API_ORIGIN: 'ftp://x' }, /^Invalid configuration: WECOM_API_ORIGIN /],
    [{ PUBLIC_URL: 'notifier.example.com' }, /^Invalid configuration: PUBLIC_URL must be the console address people open/],
    [{ PUBLIC_URL: 'javascript:alert(1)' }, /^Invalid configuration: PUBLIC_URL /],
    [{ PUBLIC_URL: 'https://notifier.example.com/?x=1' }, /^Invalid configuration: PUBLIC_URL /],
    [{ PUBLIC_URL: 'https://user:pw@notifier.example.com' }, /^Invalid configuration: PUBLIC_URL /],
  ])('fails fast with one line naming the variable: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
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
  });
});
