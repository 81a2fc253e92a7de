import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import * as v from 'valibot';
import { parseProxyRange, PROXY_SHORTCUTS } from './security/clientAddress.ts';
import { MIN_PASSWORD_LENGTH, passwordMinLength } from './security/passwordPolicy.ts';
import { parseFallbackUrl } from './wecom/fallbackUrl.ts';
import { isTimeZone } from './time/zone.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  port: number;
  /** Address to listen on (HOST): 0.0.0.0 for every interface, 127.0.0.1 for this machine only. */
  host: string;
  dataDir: string;
  adminPassword: string | undefined;
  secretKey: string | undefined;
  timezone: string;
  logLevel: LogLevel;
  wecomApiOrigin: string;
  /** True when sends are redirected away from the real WeCom host (tests and demos). */
  wecomOriginOverridden: boolean;
  /** WeCom's rate window (60 s). Tests and demos against the fake may shorten it, never production. */
  rateWindowMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, /metrics is public like /healthz. */
  metricsToken: string | undefined;
  /** METRICS_DETAIL=1: /metrics also labels per-rule series with the rule's name (off: counts and ids only). */
  metricsDetail: boolean;
  /** Where people open the console (PUBLIC_URL, no trailing slash): messages link to it when set. */
  publicUrl: string | undefined;
  /**
   * TRUST_PROXY: the reverse proxies (addresses, CIDRs, `loopback`, `private`) whose X-Forwarded-For
   * and X-Forwarded-Proto are believed; empty (the default), the socket's peer is the client.
   */
  trustProxy: string[];
  /** Host names the console answers for besides localhost, the loopback addresses and PUBLIC_URL's host (lower case). */
  allowedHosts: string[];
  /** FALLBACK_WEBHOOK_URL: where the appliance's own health alerts also go (a credential, like the bot's URL). */
  fallbackWebhookUrl: string | undefined;
  /** Self-watch thresholds: WeCom unanswered this long, a message waiting this long. */
  selfWatch: { unreachableMs: number; queuedMs: number };
}

/** Secrets that may also come from a file (`<NAME>_FILE`, e.g. a Docker secret). */
export const FILE_SECRETS = ['ADMIN_PASSWORD', 'SECRET_KEY', 'METRICS_TOKEN', 'FALLBACK_WEBHOOK_URL'] as const;

export const WECOM_ORIGIN = 'https://qyapi.weixin.qq.com';

/** An http(s) URL without query or user name, which `accept` also takes. */
const httpUrl = (accept: (u: URL) => boolean) => (s: string) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.username && accept(u);
  } catch {
    return false;
  }
};

/** A whole number: digits only (as many as `digits` allows), then from `min` to `max`; one message for every way it is wrong. */
const envInteger = (digits: RegExp, min: number, max: number, message: string) =>
  v.pipe(v.string(), v.regex(digits, message), v.transform(Number), v.number(), v.minValue(min, message), v.maxValue(max, message));

/** Minutes, fractions allowed (tests and demos use seconds' worth), from 0.01 to a day. */
const minutesSetting = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}(\.\d{1,3})?$/, 'must be minutes, e.g. 5 or 0.5'),
  v.transform(Number),
  v.number(),
  v.minValue(0.01, 'must be minutes from 0.01 to 1440'),
  v.maxValue(1440, 'must be minutes from 0.01 to 1440'),
);

const envSchema = v.object({
  PORT: v.optional(envInteger(/^\d{1,5}$/, 0, 65535, 'must be a whole number from 1 to 65535'), '8080'),
  HOST: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.check((h) => isIP(h) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(h), 'must be an IP address (e.g. 0.0.0.0 or 127.0.0.1) or a host name'),
    ),
    '0.0.0.0',
  ),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty('must not be empty')), './data'),
  ADMIN_PASSWORD: v.optional(
    v.pipe(v.string(), passwordMinLength(`must be at least ${MIN_PASSWORD_LENGTH} characters`), v.maxLength(256, 'must be at most 256 characters')),
  ),
  SECRET_KEY: v.optional(
    v.pipe(v.string(), v.minLength(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)')),
  ),
  TZ: v.optional(v.pipe(v.string(), v.check(isTimeZone, 'is not a known IANA time zone (e.g. Asia/Shanghai)')), 'Asia/Shanghai'),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error'], 'must be one of debug, info, warn, error'), 'info'),
  WECOM_API_ORIGIN: v.optional(
    v.pipe(
      v.string(),
      v.check(httpUrl((u) => u.pathname === '/'), 'must be an origin like http://127.0.0.1:9090 (scheme, host and port only)'),
    ),
  ),
  WECOM_RATE_WINDOW_MS: v.optional(envInteger(/^\d{3,5}$/, 100, 60_000, 'must be milliseconds from 100 to 60000'), '60000'),
  PUBLIC_URL: v.optional(
    v.pipe(
      v.string(),
      v.check(httpUrl((u) => !u.hash && !u.password), 'must be the console address people open, like https://notifier.example.com (http or https, no query)'),
    ),
  ),
  METRICS_TOKEN: v.optional(
    v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters'), v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')),
  ),
  METRICS_DETAIL: v.optional(
    v.pipe(
      v.picklist(['1', '0', 'true', 'false'], 'must be 1 (rule names in /metrics) or 0'),
      v.transform((s) => s === '1' || s === 'true'),
    ),
    '0',
  ),
  TRUST_PROXY: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
      // `true` used to believe X-Forwarded-For from anyone who could reach the port: refused, not guessed.
      v.check(
        (entries) => !entries.some((e) => e === 'true' || e === '1'),
        'no longer accepts true: name the proxies it trusts, e.g. TRUST_PROXY=private (loopback and private ranges), TRUST_PROXY=loopback, or addresses and CIDRs like 172.18.0.0/16',
      ),
      v.transform((entries) => (entries.length === 1 && (entries[0] === 'false' || entries[0] === '0') ? [] : entries)),
      v.check(
        (entries) => entries.every((e) => e in PROXY_SHORTCUTS || parseProxyRange(e) !== undefined),
        'must be the reverse proxies it trusts, separated by commas: addresses or CIDRs (192.0.2.10, 172.18.0.0/16, fd00::/8), `loopback`, or `private` (loopback and private ranges)',
      ),
    ),
    '',
  ),
  ALLOWED_HOSTS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)),
      v.check((hosts) => hosts.every((h) => /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(h)), 'must be host names or addresses separated by commas, without scheme or port (e.g. notifier.lan,192.168.1.10)'),
    ),
    '',
  ),
  FALLBACK_WEBHOOK_URL: v.optional(
    v.pipe(
      v.string(),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const parsed = parseFallbackUrl(dataset.value);
        if (!parsed.ok) addIssue({ message: parsed.message });
      }),
    ),
  ),
  SELF_WATCH_UNREACHABLE_MINUTES: v.optional(minutesSetting, '5'),
  SELF_WATCH_QUEUED_MINUTES: v.optional(minutesSetting, '15'),
});

export class ConfigError extends Error {}

/** A secret file's text and its permission bits. */
export interface SecretFile {
  text: string;
  mode: number;
}

export const readSecretFile = (path: string): SecretFile => ({ text: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 });

/**
 * `<NAME>_FILE` variants: the secret is read from that file (trailing line break dropped). Setting
 * both the variable and its `_FILE` is refused, so it is never unclear which one is used. A file
 * other users may write is refused: whoever can write it chooses the admin password or the data key.
 * An empty file is refused too: it would read as "not set" (a generated data key, a public /metrics,
 * the setup code), and a named file is meant to hold the secret.
 * (Readable by others is allowed: Docker mounts its secrets 0444, inside the container only.)
 */
export function readSecretFiles(env: Record<string, string | undefined>, readFile: (path: string) => SecretFile): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FILE_SECRETS) {
    const path = env[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) throw new ConfigError(`Invalid configuration: set ${name} or ${name}_FILE, not both`);
    let file: SecretFile;
    try {
      file = readFile(path);
    } catch (err) {
      throw new ConfigError(`Invalid configuration: ${name}_FILE cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}: ${path})`);
    }
    if (file.mode & 0o022) {
      throw new ConfigError(`Invalid configuration: ${name}_FILE is writable by other users (mode ${file.mode.toString(8).padStart(4, '0')}): run chmod go-w ${path}`);
    }
    const value = file.text.replace(/\r?\n$/, '');
    if (value === '') throw new ConfigError(`Invalid configuration: ${name}_FILE is empty (${path})`);
    out[name] = value;
  }
  return out;
}

/** DATA_DIR for the command-line tools (backup, restore), or the one line saying what is wrong with the configuration. */
export function configuredDataDir(env: Record<string, string | undefined>): { ok: true; dataDir: string } | { ok: false; message: string } {
  try {
    return { ok: true, dataDir: loadConfig(env).dataDir };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: err.message };
    throw err;
  }
}

/** Reads the environment into a typed config; throws ConfigError with one line naming the variable. */
export function loadConfig(rawEnv: Record<string, string | undefined>, readFile: (path: string) => SecretFile = readSecretFile): Config {
  const env = readSecretFiles(rawEnv, readFile);
  const picked = Object.fromEntries(
    Object.keys(envSchema.entries)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const result = v.safeParse(envSchema, picked);
  if (!result.success) {
    const issue = result.issues[0];
    const name = issue.path?.[0]?.key ?? 'environment';
    const shown = (FILE_SECRETS as readonly unknown[]).includes(name) ? '' : ` (got ${JSON.stringify(issue.input)})`;
    throw new ConfigError(`Invalid configuration: ${String(name)} ${issue.message}${shown}`);
  }
  const out = result.output;
  const origin = out.WECOM_API_ORIGIN ? new URL(out.WECOM_API_ORIGIN).origin : WECOM_ORIGIN;
  // WeCom itself counts 20 calls in 60 s: a shorter window is for a fake only, or every burst would 45009.
  if (origin === WECOM_ORIGIN && out.WECOM_RATE_WINDOW_MS !== 60_000) {
    throw new ConfigError(`Invalid configuration: WECOM_RATE_WINDOW_MS is for tests against a fake WeCom (with WECOM_API_ORIGIN); WeCom itself counts 60 s (got ${JSON.stringify(picked.WECOM_RATE_WINDOW_MS)})`);
  }
  return {
    port: out.PORT,
    host: out.HOST,
    dataDir: out.DATA_DIR,
    adminPassword: out.ADMIN_PASSWORD,
    secretKey: out.SECRET_KEY,
    timezone: out.TZ,
    logLevel: out.LOG_LEVEL,
    wecomApiOrigin: origin,
    wecomOriginOverridden: origin !== WECOM_ORIGIN,
    rateWindowMs: out.WECOM_RATE_WINDOW_MS,
    metricsToken: out.METRICS_TOKEN,
    metricsDetail: out.METRICS_DETAIL,
    publicUrl: out.PUBLIC_URL ? new URL(out.PUBLIC_URL).href.replace(/\/+$/, '') : undefined,
    trustProxy: out.TRUST_PROXY,
    allowedHosts: out.ALLOWED_HOSTS,
    fallbackWebhookUrl: out.FALLBACK_WEBHOOK_URL,
    selfWatch: { unreachableMs: out.SELF_WATCH_UNREACHABLE_MINUTES * 60_000, queuedMs: out.SELF_WATCH_QUEUED_MINUTES * 60_000 },
  };
}
