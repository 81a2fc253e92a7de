// Review tests, area "running it": first start, the data directory as a non-root user, the logs.
// Each test fails on the current code for the reason its name gives.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnChild, waitReady } from '../helpers/childAppliance.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'review-operations-'));
// The scratch dir is reachable by the unprivileged user the tests below run the appliance as.
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const freshDir = (): string => join(scratch, `data-${n++}`);

/** The appliance (`node --import tsx server/main.ts`) as an unprivileged user, as the image runs it (`USER node`). */
async function spawnAs(uid: number, gid: number, env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; output: string[]; exited: Promise<number | null> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: repoRoot,
    uid,
    gid,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: tmpdir(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ADMIN_PASSWORD: 'review-long-password', SECRET_KEY: 'r'.repeat(64), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, url: `http://127.0.0.1:${port}`, output, exited };
}

async function readyOrExit(child: { url: string; exited: Promise<number | null> }, ms = 25_000): Promise<'ready' | { exit: number | null }> {
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) return { exit: exitCode };
    try {
      if ((await fetch(child.url + '/readyz')).ok) return 'ready';
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { exit: exitCode ?? null };
}

const NOBODY = 65534;
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('first start: the setup code in the log', () => {
  it('prints the one-time setup code even when LOG_LEVEL=error (without it nobody can create the admin password)', async () => {
    const dataDir = freshDir();
    // No ADMIN_PASSWORD: the first visit needs the setup code "printed to the log at start" (SPEC, First run and secrets).
    const child = await spawnChild({ DATA_DIR: dataDir, LOG_LEVEL: 'error', ADMIN_PASSWORD: '' });
    try {
      await waitReady(child);
      // The console does ask for the code.
      const setup = await fetch(child.url + '/setup');
      expect(setup.status).toBe(200);
      expect(await setup.text()).toContain('Setup code');
      await new Promise((r) => setTimeout(r, 500));
      const out = child.output.join('');
      expect(out, `the appliance's whole output at LOG_LEVEL=error:\n${out}`).toMatch(/[2-9A-Z]{4}(-[2-9A-Z]{4}){4}/);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);
});

describe('DATA_DIR as a non-root user (the image runs as `node`; bind mounts and volumes are often root-owned)', () => {
  it.skipIf(!asRoot)('starts on a data directory its user can write through the group (root:node 0770), instead of failing on chmod', async () => {
    const dataDir = freshDir();
    // The usual way to hand a root-owned bind mount to the container's user: group ownership and g+rwx.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    chownSync(dataDir, 0, NOBODY);
    chmodSync(dataDir, 0o770);
    const child = await spawnAs(NOBODY, NOBODY, { DATA_DIR: dataDir });
    try {
      const outcome = await readyOrExit(child);
      expect(outcome, `a writable DATA_DIR was refused:\n${child.output.join('')}`).toBe('ready');
    } finally {
      if (child.proc.exitCode === null) child.proc.kill('SIGTERM');
      await child.exited;
    }
  }, 40_000);

  it.skipIf(!asRoot)('a DATA_DIR its user cannot write stops the start with one line naming DATA_DIR and saying it is not writable (not "EPERM … chmod")', async () => {
    const dataDir = freshDir();
    // What Docker creates for a missing bind-mount source (`-v ./data:/data`): root:root 0755.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const child = await spawnAs(NOBODY, NOBODY, { DATA_DIR: dataDir });
    const code = await child.exited;
    const lines = child.output.join('').split('\n').filter((l) => l.trim() !== '');
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    // "Bad config fails fast with a clear line" (SPEC, Operations): which variable, and what is wrong with it.
    expect(lines[0], lines[0]).toMatch(/DATA_DIR/);
    expect(lines[0], lines[0]).toMatch(/writ/i);
    expect(lines[0], lines[0]).not.toMatch(/chmod/);
  }, 40_000);
});
