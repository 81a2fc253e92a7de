import type { LogLevel } from './config.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A line the operator must see whatever LOG_LEVEL is (the first run's setup code), written as a warn. */
  always(msg: string, fields?: Record<string, unknown>): void;
  /** Registers a secret (the webhook key) that must never be written, even inside other text. */
  addSecret(secret: string): void;
}

// Anything that looks like a webhook key in a URL, even one we were never told about.
const KEY_IN_URL = /([?&]key=)[^&\s"'\\]+/gi;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s) out = out.split(s).join('[redacted]');
  }
  return out.replace(KEY_IN_URL, '$1[redacted]').replace(UUID, '[redacted]');
}

/** One JSON object per line; every line passes through redact() as a whole. */
export function createLogger(opts: { level: LogLevel; write?: (line: string) => void; now?: () => number }): Logger {
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const secrets = new Set<string>();
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>, always = false) => {
    if (!always && ORDER[level] < ORDER[opts.level]) return;
    const line = JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields }, (_k, val: unknown) =>
      val instanceof Error ? { name: val.name, message: val.message } : val,
    );
    write(redact(line, secrets));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    always: (m, f) => emit('warn', m, f, true),
    addSecret: (s) => {
      secrets.add(s);
    },
  };
}
