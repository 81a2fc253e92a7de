import { isIP } from 'node:net';
import * as v from 'valibot';
import { isTimeZone } from './timeOfDay.ts';

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
  /** Where people open the console (PUBLIC_URL, no trailing slash): messages link to it when set. */
  publicUrl: string | undefined;
}

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

const envSchema = v.object({
  PORT: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,5}$/, 'must be a whole number from 1 to 65535'),
      v.transform(Number),
      v.number(),
      v.minValue(0, 'must be a whole number from 1 to 65535'),
      v.maxValue(65535, 'must be a whole number from 1 to 65535'),
    ),
    '8080',
  ),
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
    v.pipe(v.string(), v.minLength(8, 'must be at least 8 characters'), v.maxLength(256, 'must be at most 256 characters')),
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
  WECOM_RATE_WINDOW_MS: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{3,5}$/, 'must be milliseconds from 100 to 60000'),
      v.transform(Number),
      v.number(),
      v.minValue(100, 'must be milliseconds from 100 to 60000'),
      v.maxValue(60_000, 'must be milliseconds from 100 to 60000'),
    ),
    '60000',
  ),
  PUBLIC_URL: v.optional(
    v.pipe(
      v.string(),
      v.check(httpUrl((u) => !u.hash && !u.password), 'must be the console address people open, like https://notifier.example.com (http or https, no query)'),
    ),
  ),
  METRICS_TOKEN: v.optional(
    v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters'), v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')),
  ),
});

export class ConfigError extends Error {}

/** Reads the environment into a typed config; throws ConfigError with one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const picked = Object.fromEntries(
    Object.keys(envSchema.entries)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const result = v.safeParse(envSchema, picked);
  if (!result.success) {
    const issue = result.issues[0];
    const name = issue.path?.[0]?.key ?? 'environment';
    const shown = name === 'ADMIN_PASSWORD' || name === 'SECRET_KEY' || name === 'METRICS_TOKEN' ? '' : ` (got ${JSON.stringify(issue.input)})`;
    throw new ConfigError(`Invalid configuration: ${String(name)} ${issue.message}${shown}`);
  }
  const out = result.output;
  const origin = out.WECOM_API_ORIGIN ? new URL(out.WECOM_API_ORIGIN).origin : WECOM_ORIGIN;
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
    publicUrl: out.PUBLIC_URL ? new URL(out.PUBLIC_URL).href.replace(/\/+$/, '') : undefined,
  };
}
