import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { saveConnectedChannel } from '../../db/queries/channel.ts';
import { putSetting } from '../../db/queries/settings.ts';
import { DB_FILE } from '../../server/appliance.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { createSecretBox, loadDataKey } from '../../server/security/secretBox.ts';
import { DEFAULT_DELIVERY, DEFAULT_RULES } from '../../server/settings/settingsStore.ts';
import { keyLast4 } from '../../server/wecom/webhookUrl.ts';

export const CHILD_SECRET_KEY = 'c'.repeat(64);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Prepares a data dir the way an admin would leave it: bot connected, one API token, settings. */
export function seedDataDir(dataDir: string, opts: { key: string; windowSeconds?: number }): { token: string } {
  const db = openDatabase(join(dataDir, DB_FILE));
  try {
    const box = createSecretBox(loadDataKey({ secretKey: CHILD_SECRET_KEY, dataDir }));
    const now = Date.now();
    saveConnectedChannel(db, { keyCiphertext: box.seal(opts.key), keyLast4: keyLast4(opts.key), now });
    putSetting(db, 'rules', { ...DEFAULT_RULES, dedupeWindowMinutes: 0 }, now);
    putSetting(db, 'delivery', { ...DEFAULT_DELIVERY, language: 'en', digestWindowSeconds: opts.windowSeconds ?? 10 }, now);
    return { token: issueApiToken({ db, secretBox: box }, { name: 'crash-test', requireSignature: false, now }).token };
  } finally {
    closeDatabase(db);
  }
}

export interface Child {
  process: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/**
 * `node --import tsx server/main.ts` (the sources the image runs compiled) as its own process; not
 * waited for. `opts` runs another entry instead (a built `dist/server/main.js` in its checkout), or
 * runs it as another user (as root: the image's unprivileged `node`).
 */
export async function spawnChild(env: Record<string, string>, opts: { args?: string[]; cwd?: string; uid?: number; gid?: number } = {}): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, opts.args ?? ['--import', 'tsx', 'server/main.ts'], {
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', SECRET_KEY: CHILD_SECRET_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, url: `http://127.0.0.1:${port}`, output, exited };
}

/** Polls /readyz until the child answers 200. */
export async function waitReady(child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(child.url + '/readyz')).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`child did not become ready: ${child.output.join('')}`);
    if (child.process.exitCode !== null) throw new Error(`child exited: ${child.output.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `node --import tsx server/main.ts` (the sources the image runs compiled) as its own process, once ready. */
export async function startChild(env: Record<string, string>): Promise<Child> {
  const child = await spawnChild(env);
  await waitReady(child);
  return child;
}

export function readOnlyDb(dataDir: string): Db {
  return openDatabase(join(dataDir, DB_FILE));
}
