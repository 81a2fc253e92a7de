/**
 * Proves the Dockerfile without a Docker engine.
 *
 * 1. Static invariants of Dockerfile and docker-compose.yml (fast).
 * 2. A simulated `docker build` + `docker run` (slow, ~2 min: npm ci compiles better-sqlite3):
 *    - the build context is the clean checkout (`git ls-files --cached --others --exclude-standard`)
 *      filtered through .dockerignore, so gitignored or dockerignored files are not there;
 *    - each stage gets its own temp dir standing for its filesystem root; absolute container paths
 *      (WORKDIR, COPY destinations, VOLUME, /data…) are mapped into it;
 *    - RUN steps run for real with `sh -c` in the stage's WORKDIR (npm ci included, with
 *      --prefer-offline) with the base image's toolchain, not the host's: Node 22 and npm 10.9 from
 *      the npm registry (baseImageToolchain.ts), native addons compiled against Node 22's headers;
 *      apt-get steps are skipped after checking that the build tools they install are on this
 *      machine; `chown` is recorded rather than applied (no `node` user here);
 *    - the final stage's CMD is started from its root with Node 22 and the Dockerfile's ENV (PORT
 *      and DATA_DIR overridden), /healthz and /readyz must answer 200, the image's HEALTHCHECK command must pass,
 *      nothing may be written outside DATA_DIR (the image's /app is root-owned and the app runs as
 *      `node`), and SIGTERM must end it with code 0 within 10 s.
 *
 * Set KEEP_DOCKERFILE_SIM=1 to keep the temp dirs for inspection.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allOf,
  expandVars,
  globToRegExp,
  isIgnored,
  lastOf,
  parseDockerfile,
  parseDockerignore,
  splitWords,
  type CommandForm,
  type Dockerfile,
  type Instruction,
  type IgnoreRule,
  type Stage,
} from '../dockerfile/parseDockerfile.ts';
import { BASE_IMAGE_NODE, BASE_IMAGE_NPM, baseImageToolchain, type Toolchain } from '../dockerfile/baseImageToolchain.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile: Dockerfile = parseDockerfile(fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
const finalStage: Stage = dockerfile.stages[dockerfile.stages.length - 1]!;
const composeText = fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
const packageVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Users present in the official node images (Debian variants). */
const BASE_IMAGE_USERS = new Set(['root', '0', 'node', '1000']);
const ROOT_USERS = new Set(['root', '0']);

function imageFamily(image: string): { repo: string; distro: string | undefined } {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  const repo = colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
  const tag = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : 'latest';
  const distro = /(bookworm|bullseye|buster|trixie|alpine|jammy|noble|focal)/.exec(tag)?.[1];
  return { repo: repo.replace(/^(docker\.io\/)?(library\/)?/, ''), distro };
}

function stageByRef(ref: string, before: number): Stage | undefined {
  const byName = dockerfile.stages.find((s) => s.index < before && s.name === ref.toLowerCase());
  if (byName) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return dockerfile.stages[Number(ref)];
  return undefined;
}

function finalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of allOf(finalStage, 'ENV')) for (const [k, v] of e.vars) env[k] = expandVars(v, env);
  return env;
}

function userName(user: string): string {
  return user.split(':')[0]!;
}

// ------------------------------------------------------------------------------------------------
describe('Dockerfile and docker-compose.yml invariants', () => {
  it('has a build stage and a runtime stage from the same base image family', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const external = dockerfile.stages.filter((s) => !stageByRef(s.image, s.index));
    const families = external.map((s) => imageFamily(s.image));
    expect(families.length).toBeGreaterThanOrEqual(2);
    for (const f of families) {
      expect(f.repo).toBe('node');
      expect(f.distro, 'base image tag must name its distro (e.g. -bookworm-slim)').toBeDefined();
      expect(f).toEqual(families[0]);
    }
    expect(finalStage.image).toMatch(/slim/);
    // The runtime stage must not inherit the toolchain: it starts from the base image itself.
    expect(stageByRef(finalStage.image, finalStage.index)).toBeUndefined();
  });

  it('installs production dependencies with npm ci --omit=dev in the build stage', () => {
    const runs = dockerfile.stages.slice(0, -1).flatMap((s) => allOf(s, 'RUN'));
    const npmCi = runs.find((r) => r.cmd.form === 'shell' && /\bnpm ci\b/.test(r.cmd.command));
    expect(npmCi, 'a RUN npm ci in a build stage').toBeDefined();
    expect((npmCi!.cmd as { command: string }).command).toMatch(/--omit=dev/);
    // The runtime stage compiles nothing and installs nothing.
    for (const r of allOf(finalStage, 'RUN')) {
      const cmd = r.cmd.form === 'shell' ? r.cmd.command : r.cmd.argv.join(' ');
      expect(cmd).not.toMatch(/\b(npm|apt-get|apk)\b/);
    }
  });

  it('runs as a non-root user that exists in the base image', () => {
    const user = lastOf(finalStage, 'USER');
    expect(user, 'final stage needs USER').toBeDefined();
    expect(ROOT_USERS.has(userName(user!.user))).toBe(false);
    expect(BASE_IMAGE_USERS.has(userName(user!.user))).toBe(true);
    // The container runs as the last USER; it must also come before CMD (nothing after it runs as root).
    const idx = (i: Instruction | undefined): number => (i ? finalStage.instructions.indexOf(i) : -1);
    expect(idx(user)).toBeLessThan(idx(lastOf(finalStage, 'CMD')));
  });

  it('sets production ENV, declares VOLUME /data and EXPOSE 8080', () => {
    const env = finalEnv();
    expect(env.NODE_ENV).toBe('production');
    expect(env.PORT).toBe('8080');
    expect(env.DATA_DIR).toBe('/data');
    expect(allOf(finalStage, 'VOLUME').flatMap((v) => v.paths)).toContain('/data');
    expect(allOf(finalStage, 'EXPOSE').flatMap((e) => e.ports.map((p) => p.replace(/\/tcp$/, '')))).toContain('8080');
  });

  it('has a HEALTHCHECK that uses node (slim images have no curl) against /healthz', () => {
    const hc = lastOf(finalStage, 'HEALTHCHECK');
    expect(hc, 'final stage needs HEALTHCHECK').toBeDefined();
    expect(hc!.cmd).not.toBe('NONE');
    const cmd = hc!.cmd as CommandForm;
    const text = cmd.form === 'shell' ? cmd.command : cmd.argv.join(' ');
    expect(text).toMatch(/^node\b/);
    expect(text).toContain('/healthz');
    expect(text).not.toMatch(/\b(curl|wget)\b/);
    // Docker 20.10's builder knows only these flags (--start-interval came with Engine 25).
    expect(Object.keys(hc!.options).every((o) => ['interval', 'timeout', 'start-period', 'retries'].includes(o)), JSON.stringify(hc!.options)).toBe(true);
    // The first probe runs one interval after start: healthy within a few seconds of ready (~2 s).
    const seconds = (v: string | undefined): number => Number(/^(\d+)s$/.exec(v ?? '30s')?.[1] ?? NaN);
    expect(seconds(hc!.options.interval)).toBeLessThanOrEqual(5);
    expect(seconds(hc!.options.timeout)).toBeLessThan(seconds(hc!.options.interval));
  });

  it('labels the image with its version (= package.json) and the commit given as BUILD_COMMIT', () => {
    const args: Record<string, string> = {};
    for (const a of allOf(finalStage, 'ARG')) if (a.defaultValue !== undefined) args[a.name] = a.defaultValue;
    expect(args.VERSION, 'ARG VERSION in the runtime stage must be package.json\'s version').toBe(packageVersion);
    const labels = Object.fromEntries(allOf(finalStage, 'LABEL').flatMap((l) => l.labels.map(([k, v]) => [k, expandVars(v, args)])));
    expect(labels).toMatchObject({ 'org.opencontainers.image.version': packageVersion, 'org.opencontainers.image.revision': 'unknown' });
    expect(labels['org.opencontainers.image.title']).toBe('StoreClaw WeCom Notifier');
    // The build stage writes the commit into dist/build-info.json from the same build argument.
    const build = stageByRef('build', dockerfile.stages.length)!;
    const buildArg = allOf(build, 'ARG').find((a) => a.name === 'BUILD_COMMIT');
    const runBuild = allOf(build, 'RUN').find((r) => r.cmd.form === 'shell' && r.cmd.command.includes('npm run build'))!;
    expect(buildArg && buildArg.line < runBuild.line, 'ARG BUILD_COMMIT before RUN npm run build').toBe(true);
  });

  it('starts node directly with an exec-form CMD (not npm, which swallows SIGTERM)', () => {
    const cmd = lastOf(finalStage, 'CMD');
    expect(cmd, 'final stage needs CMD').toBeDefined();
    expect(cmd!.cmd.form).toBe('exec');
    const argv = (cmd!.cmd as { argv: string[] }).argv;
    expect(argv[0]).toBe('node');
    expect(argv).not.toContain('npm');
    // The compiled entry: no TypeScript loader in the image (it cost ~40 MB and ~0.6 s at start).
    // Async context frames: a console page must not switch on promise hooks for every API request
    // (the simulated run below starts this CMD with the base image's Node, which takes the flag).
    expect(argv).toEqual(['node', '--experimental-async-context-frame', 'dist/server/main.js']);
    expect(lastOf(finalStage, 'ENTRYPOINT')).toBeUndefined();
  });

  it('docker-compose.yml: one service, init, restart policy, port 8080, named volume at /data', () => {
    const lines = composeText.split('\n').filter((l) => !/^\s*#/.test(l));
    const text = lines.join('\n');
    // Top-level sections and the services under `services:` (two-space indented keys).
    const section = (name: string): string[] => {
      const start = lines.findIndex((l) => new RegExp(`^${name}:\\s*$`).test(l));
      if (start < 0) return [];
      const out: string[] = [];
      for (const l of lines.slice(start + 1)) {
        if (/^\S/.test(l)) break;
        out.push(l);
      }
      return out;
    };
    const services = section('services')
      .map((l) => /^ {2}([A-Za-z0-9_.-]+):\s*$/.exec(l)?.[1])
      .filter(Boolean);
    expect(services).toHaveLength(1);
    expect(text).toMatch(/^\s+build:\s*\.\s*$/m);
    expect(text).toMatch(/^\s+image:\s*\S+/m);
    expect(text).toMatch(/^\s+init:\s*true\s*$/m);
    expect(text).toMatch(/^\s+restart:\s*["']?unless-stopped["']?\s*$/m);
    expect(text).toMatch(/^\s+-\s*["']?(?:[\d.]+:)?8080:8080(?:\/tcp)?["']?\s*$/m);
    const vol = /^\s+-\s*["']?([A-Za-z0-9][\w.-]*):\/data(?::[a-z]+)?["']?\s*$/m.exec(text);
    expect(vol, 'a named volume mounted at /data').not.toBeNull();
    const declared = section('volumes').map((l) => /^ {2}([A-Za-z0-9][\w.-]*):/.exec(l)?.[1]);
    expect(declared).toContain(vol![1]);
    for (const name of ['ADMIN_PASSWORD', 'SECRET_KEY']) {
      expect(text).toMatch(new RegExp(`^\\s+-?\\s*${name}[:=]\\s*["']?\\$\\{${name}(:-[^}]*)?\\}["']?\\s*$`, 'm'));
    }
    expect(text).toMatch(/^\s+-?\s*TZ[:=]/m);
    // The image's HEALTHCHECK is inherited, not disabled.
    expect(text).not.toMatch(/disable:\s*true/);
    // Compose v1 (1.27+) and v2 both read it: no obsolete `version:` (v2 warns), no v2-only keys.
    expect(text).not.toMatch(/^version:/m);
    expect(text).not.toMatch(/^\s+(start_interval|develop|include):/m);
  });
});

// ------------------------------------------------------------------------------------------------
// Simulated build

interface SimStage {
  stage: Stage;
  root: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user: string;
  /** container path -> owner, from COPY --chown and (recorded) RUN chown. */
  owners: Map<string, string>;
}

interface SimLog {
  notes: string[];
  timings: Array<[string, number]>;
}

const HOST_ENV_KEYS = [
  'PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TERM', 'USER', 'LOGNAME', 'SHELL',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'http_proxy', 'https_proxy', 'no_proxy',
];

/** The host environment a container step may see: tools and network settings, nothing of vitest's. */
function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOST_ENV_KEYS) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return env;
}

/** What a clean checkout holds: tracked files plus untracked files that are not gitignored. */
function checkoutFiles(): string[] {
  let listed: string[];
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
      .split('\0')
      .filter(Boolean);
  } catch {
    // Not a git checkout (e.g. an exported tarball): walk it, honouring the top-level .gitignore.
    const gi = fs.existsSync(path.join(repoRoot, '.gitignore'))
      ? parseDockerignore(fs.readFileSync(path.join(repoRoot, '.gitignore'), 'utf8'))
      : [];
    listed = [];
    const walk = (rel: string): void => {
      for (const d of fs.readdirSync(path.join(repoRoot, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.name === '.git' || isIgnored(r, gi)) continue;
        if (d.isDirectory()) walk(r);
        else listed.push(r);
      }
    };
    walk('');
  }
  // --cached also lists files deleted in the work tree; a build would not see them.
  return [...new Set(listed)].filter((f) => {
    try {
      const st = fs.lstatSync(path.join(repoRoot, f));
      return st.isFile() || st.isSymbolicLink();
    } catch {
      return false;
    }
  });
}

function buildContext(): { files: string[]; rules: IgnoreRule[] } {
  const diPath = path.join(repoRoot, '.dockerignore');
  const rules = fs.existsSync(diPath) ? parseDockerignore(fs.readFileSync(diPath, 'utf8')) : [];
  return { files: checkoutFiles().filter((f) => !isIgnored(f, rules)).sort(), rules };
}

function hostPath(sim: SimStage, containerPath: string): string {
  return path.join(sim.root, path.posix.resolve('/', containerPath));
}

function resolveContainerPath(sim: SimStage, p: string): string {
  return path.posix.resolve(sim.workdir, p);
}

function scope(sim: SimStage): Record<string, string> {
  return { ...sim.args, ...sim.env };
}

/** Top-level directories the Dockerfile itself defines (mapped into the stage root in RUN steps). */
function containerRoots(df: Dockerfile): string[] {
  const roots = new Set<string>();
  const add = (p: string): void => {
    if (!p.startsWith('/')) return;
    const first = p.split('/')[1];
    if (first) roots.add(first);
  };
  for (const s of df.stages) {
    for (const i of s.instructions) {
      if (i.kind === 'WORKDIR') add(i.path);
      if (i.kind === 'VOLUME') i.paths.forEach(add);
      if (i.kind === 'COPY' || i.kind === 'ADD') add(i.dest);
      if (i.kind === 'ENV') for (const [, v] of i.vars) add(v);
    }
  }
  for (const sys of ['bin', 'sbin', 'usr', 'lib', 'lib64', 'etc', 'dev', 'proc', 'sys', 'tmp', 'var', 'run']) {
    roots.delete(sys);
  }
  return [...roots];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function rewritePaths(text: string, root: string, roots: string[]): string {
  if (roots.length === 0) return text;
  const re = new RegExp(`(^|[\\s=:'"(])(/(?:${roots.map(escapeRe).join('|')}))(?=/|$|[\\s'";&|)])`, 'g');
  return text.replace(re, (_m, pre: string, p: string) => `${pre}${root}${p}`);
}

function mappedEnv(sim: SimStage, roots: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sim.env)) out[k] = rewritePaths(v, sim.root, roots);
  return out;
}

/** Build tools an apt-get step may install, and the host commands that stand for them. */
const APT_PACKAGE_COMMANDS: Record<string, string[]> = {
  python3: ['python3'],
  make: ['make'],
  'g++': ['g++'],
  gcc: ['gcc'],
  'build-essential': ['gcc', 'g++', 'make'],
  'ca-certificates': [],
};

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$0" >/dev/null`, cmd]).status === 0;
}

/** Checks an apt-get RUN step only installs build tools present here; returns a note, or throws. */
function checkAptStep(command: string, line: number): string {
  const segments = command.split(/&&|;|\|\|/).map((s) => s.trim()).filter(Boolean);
  const installed: string[] = [];
  for (const seg of segments) {
    const words = splitWords(seg);
    if (words[0] === 'apt-get') {
      const sub = words.slice(1).filter((w) => !w.startsWith('-'));
      if (sub[0] === 'install') installed.push(...sub.slice(1));
      else if (!['update', 'clean', 'autoclean'].includes(sub[0] ?? '')) {
        throw new Error(`Dockerfile line ${line}: apt-get ${sub[0]} cannot be simulated`);
      }
    } else if (!/^rm -rf \/var\/lib\/apt\/lists\/\*?$/.test(seg)) {
      throw new Error(`Dockerfile line ${line}: an apt-get RUN step also does "${seg}"; put that in its own RUN`);
    }
  }
  for (const pkg of installed) {
    const cmds = APT_PACKAGE_COMMANDS[pkg];
    if (!cmds) throw new Error(`Dockerfile line ${line}: cannot check apt package ${pkg} on this machine`);
    for (const c of cmds) {
      if (!hasCommand(c)) throw new Error(`Dockerfile line ${line}: apt package ${pkg} needs ${c}, missing here`);
    }
  }
  return `line ${line}: skipped apt-get (installs ${installed.join(' ') || 'nothing'}; present on this machine)`;
}

const CHOWN_SHIM = `#!/bin/sh
# Simulated chown: checks its operands and records the ownership instead of applying it.
owner=""
for a in "$@"; do
  case "$a" in -*) continue ;; esac
  if [ -z "$owner" ]; then owner="$a"; continue; fi
  if [ ! -e "$a" ]; then echo "chown: cannot access '$a': No such file or directory" >&2; exit 1; fi
  printf '%s\\t%s/%s\\n' "$owner" "$(cd "$(dirname "$a")" && pwd -P)" "$(basename "$a")" >> "$SIM_CHOWN_LOG"
done
[ -n "$owner" ] || { echo "chown: missing operand" >&2; exit 1; }
`;

function runStep(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; logFile: string; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(opts.logFile, 'a');
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', out, out] });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fs.closeSync(out);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      if (code === 0) resolve();
      else {
        const tail = fs.readFileSync(opts.logFile, 'utf8').split('\n').slice(-40).join('\n');
        reject(new Error(`${argv.join(' ')} failed (code ${code}, signal ${signal}):\n${tail}`));
      }
    });
  });
}

function copyEntry(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(src, dest, { recursive: true, verbatimSymlinks: true, force: true });
}

function hasGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Context-relative files a COPY source selects, each with its path relative to the source. */
function selectFromContext(files: string[], src: string): { entries: Array<[string, string]>; isDir: boolean } {
  const clean = path.posix.normalize(src).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return { entries: files.map((f) => [f, f]), isDir: true };
  if (hasGlob(clean)) {
    const re = globToRegExp(clean);
    const entries: Array<[string, string]> = [];
    let isDir = false;
    for (const f of files) {
      if (re.test(f)) {
        entries.push([f, path.posix.basename(f)]);
        continue;
      }
      const segs = f.split('/');
      for (let n = 1; n < segs.length; n++) {
        if (re.test(segs.slice(0, n).join('/'))) {
          entries.push([f, segs.slice(n).join('/')]);
          isDir = true;
          break;
        }
      }
    }
    return { entries, isDir };
  }
  if (files.includes(clean)) return { entries: [[clean, path.posix.basename(clean)]], isDir: false };
  const under = files.filter((f) => f.startsWith(clean + '/'));
  return { entries: under.map((f) => [f, f.slice(clean.length + 1)]), isDir: true };
}

async function simulateBuild(
  tmpRoot: string,
  log: SimLog,
  toolchain: Toolchain,
): Promise<{ stages: SimStage[]; context: string[] }> {
  // Like `docker build`, take the context once, up front (later edits in the work tree don't leak in).
  const contextDir = path.join(tmpRoot, 'context');
  const context = buildContext().files.filter((f) => {
    try {
      copyEntry(path.join(repoRoot, f), path.join(contextDir, f));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // deleted while listing
      throw e;
    }
  });
  const roots = containerRoots(dockerfile);
  const shimDir = path.join(tmpRoot, 'shims');
  fs.mkdirSync(shimDir);
  fs.writeFileSync(path.join(shimDir, 'chown'), CHOWN_SHIM, { mode: 0o755 });
  const chownLog = path.join(tmpRoot, 'chown.log');
  const stepLog = path.join(tmpRoot, 'build.log');
  const globalArgs: Record<string, string> = {};
  for (const a of dockerfile.globalArgs) if (a.defaultValue !== undefined) globalArgs[a.name] = a.defaultValue;

  const sims: SimStage[] = [];
  for (const stage of dockerfile.stages) {
    const parent = stageByRef(expandVars(stage.image, globalArgs), stage.index);
    const root = fs.realpathSync(fs.mkdtempSync(path.join(tmpRoot, `stage${stage.index}-${stage.name ?? 'anon'}-`)));
    const sim: SimStage = parent
      ? (() => {
          const p = sims[parent.index]!;
          fs.cpSync(p.root, root, { recursive: true, verbatimSymlinks: true });
          return { stage, root, workdir: p.workdir, env: { ...p.env }, args: {}, user: p.user, owners: new Map(p.owners) };
        })()
      : { stage, root, workdir: '/', env: {}, args: {}, user: 'root', owners: new Map() };
    sims.push(sim);
    log.notes.push(`stage ${stage.index} (${stage.name ?? 'unnamed'}) FROM ${stage.image} -> ${root}`);

    for (const ins of stage.instructions) {
      const t0 = Date.now();
      await applyInstruction(sim, ins);
      log.timings.push([`stage ${stage.name ?? stage.index} line ${ins.line} ${ins.kind}`, Date.now() - t0]);
    }
  }
  return { stages: sims, context };

  async function applyInstruction(sim: SimStage, ins: Instruction): Promise<void> {
    const vars = scope(sim);
    switch (ins.kind) {
      case 'ARG':
        sim.args[ins.name] = ins.defaultValue ?? globalArgs[ins.name] ?? '';
        return;
      case 'ENV':
        for (const [k, v] of ins.vars) sim.env[k] = expandVars(v, scope(sim));
        return;
      case 'WORKDIR':
        sim.workdir = resolveContainerPath(sim, expandVars(ins.path, vars));
        fs.mkdirSync(hostPath(sim, sim.workdir), { recursive: true });
        return;
      case 'USER':
        sim.user = expandVars(ins.user, vars);
        return;
      case 'VOLUME':
        for (const p of ins.paths) fs.mkdirSync(hostPath(sim, expandVars(p, vars)), { recursive: true });
        return;
      case 'COPY':
      case 'ADD': {
        if (ins.kind === 'ADD' && ins.sources.some((s) => /^https?:|\.tar/.test(s))) {
          throw new Error(`line ${ins.line}: ADD of URLs/archives is not simulated; use COPY`);
        }
        const rawDest = expandVars(ins.dest, vars);
        const destC = resolveContainerPath(sim, rawDest);
        const destH = hostPath(sim, destC);
        const destIsDir =
          rawDest.endsWith('/') || rawDest === '.' || ins.sources.length > 1 || (fs.existsSync(destH) && fs.statSync(destH).isDirectory());
        for (const rawSrc of ins.sources) {
          const src = expandVars(rawSrc, vars);
          if (ins.from !== undefined) {
            const from = stageByRef(ins.from, sim.stage.index);
            if (!from) throw new Error(`line ${ins.line}: COPY --from=${ins.from} is not an earlier stage (external images are not simulated)`);
            if (hasGlob(src)) throw new Error(`line ${ins.line}: globs in COPY --from are not simulated`);
            const srcH = hostPath(sims[from.index]!, path.posix.resolve('/', src));
            if (!fs.existsSync(srcH)) throw new Error(`line ${ins.line}: COPY --from=${ins.from} ${src}: not found in that stage`);
            if (fs.statSync(srcH).isDirectory()) copyEntry(srcH, destH);
            else copyEntry(srcH, destIsDir ? path.join(destH, path.basename(srcH)) : destH);
          } else {
            const { entries, isDir } = selectFromContext(context, src);
            if (entries.length === 0) {
              throw new Error(`line ${ins.line}: COPY ${src}: no such file in the build context (missing, gitignored or dockerignored)`);
            }
            for (const [rel, sub] of entries) {
              const target = isDir || destIsDir ? path.join(destH, sub) : destH;
              copyEntry(path.join(contextDir, rel), target);
            }
          }
        }
        if (!fs.existsSync(destH)) fs.mkdirSync(destH, { recursive: true });
        if (ins.chown) sim.owners.set(destC, expandVars(ins.chown, vars));
        return;
      }
      case 'RUN': {
        const command = ins.cmd.form === 'shell' ? ins.cmd.command : ins.cmd.argv.join(' ');
        if (/\bapt-get\b/.test(command)) {
          log.notes.push(checkAptStep(command, ins.line));
          return;
        }
        const cwd = hostPath(sim, sim.workdir);
        fs.mkdirSync(cwd, { recursive: true });
        const env: Record<string, string> = {
          ...hostEnv(),
          ...Object.fromEntries(Object.entries(sim.args).map(([k, v]) => [k, rewritePaths(v, sim.root, roots)])),
          ...mappedEnv(sim, roots),
          ...toolchain.env,
          npm_config_prefer_offline: 'true',
          // This machine's npmrc points node-gyp at Node 20's headers; the image builds for Node 22.
          npm_config_nodedir: toolchain.nodedir,
          SIM_CHOWN_LOG: chownLog,
        };
        env.PATH = `${shimDir}:${toolchain.binDir}:${hostEnv().PATH ?? '/usr/bin:/bin'}`;
        const argv =
          ins.cmd.form === 'shell'
            ? ['sh', '-c', rewritePaths(ins.cmd.command, sim.root, roots)]
            : ins.cmd.argv.map((a) => rewritePaths(a, sim.root, roots));
        fs.appendFileSync(stepLog, `\n### line ${ins.line}: RUN ${command}\n`);
        fs.rmSync(chownLog, { force: true });
        await runStep(argv, { cwd, env, logFile: stepLog, timeoutMs: 12 * 60_000 });
        if (fs.existsSync(chownLog)) {
          for (const entry of fs.readFileSync(chownLog, 'utf8').split('\n').filter(Boolean)) {
            const [owner, p] = entry.split('\t') as [string, string];
            if (!p.startsWith(sim.root + '/')) throw new Error(`line ${ins.line}: chown outside the image: ${p}`);
            if (!BASE_IMAGE_USERS.has(userName(owner))) throw new Error(`line ${ins.line}: chown to unknown user ${owner}`);
            sim.owners.set(p.slice(sim.root.length), owner);
          }
        }
        log.notes.push(`line ${ins.line}: ran ${command}`);
        return;
      }
      default:
        return; // FROM/EXPOSE/HEALTHCHECK/CMD/LABEL…: metadata only
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Files under dir, relative and sorted. */
function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Bytes of the regular files under dir (what a layer holding it weighs, uncompressed). */
function du(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return total;
}

/** Every file under dir with its size and mtime, for spotting writes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.lstatSync(p);
        out.set(path.relative(dir, p), `${st.size}:${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

function waitForExit(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

function runHealthcheck(cmd: CommandForm, env: Record<string, string>, cwd: string): number | null {
  const argv = cmd.form === 'shell' ? ['/bin/sh', '-c', cmd.command] : cmd.argv;
  return spawnSync(argv[0]!, argv.slice(1), { env, cwd, timeout: 10_000, stdio: 'ignore' }).status;
}

describe('simulated docker build + run', () => {
  it('builds the image from a clean checkout and runs it: healthz, readyz, HEALTHCHECK, SIGTERM', async () => {
    const started = Date.now();
    const tmpRoot = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-sim-')));
    const log: SimLog = { notes: [], timings: [] };
    let child: ChildProcess | undefined;
    let output = '';
    try {
      // ---- build, with the base image's Node and npm
      const toolchain = baseImageToolchain();
      const versions = (cmd: string): string => execFileSync(cmd, ['-v'], { env: { ...hostEnv(), ...toolchain.env, PATH: `${toolchain.binDir}:${hostEnv().PATH}` }, encoding: 'utf8' }).trim();
      expect(versions('node')).toBe(`v${BASE_IMAGE_NODE}`);
      expect(versions('npm')).toBe(BASE_IMAGE_NPM);
      log.notes.push(`toolchain: node v${BASE_IMAGE_NODE}, npm ${BASE_IMAGE_NPM} (the base image's), not the host's ${process.version}`);
      const { stages, context } = await simulateBuild(tmpRoot, log, toolchain);
      const rt = stages[stages.length - 1]!;
      const buildMs = Date.now() - started;

      // The context is the clean checkout minus .dockerignore: no local clutter reaches the image.
      expect(context.some((f) => f.startsWith('node_modules/') || f.startsWith('.git/') || f.startsWith('data/'))).toBe(false);
      expect(context.some((f) => f.startsWith('test/'))).toBe(false);

      // ---- the image's filesystem
      const app = hostPath(rt, rt.workdir);
      for (const f of [
        'package.json',
        'package-lock.json',
        'dist/server/main.js',
        'dist/server/backupCli.js',
        'dist/build-info.json',
        'dist/views/static/app.css',
        'node_modules/htmx.org/dist/htmx.min.js',
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        // China's holidays and adjusted working days, read at start (never fetched at run time).
        'node_modules/chinese-days/dist/chinese-days.json',
      ]) {
        expect(fs.existsSync(path.join(app, f)), `image lacks ${rt.workdir}/${f}`).toBe(true);
      }
      expect(fs.readdirSync(path.join(app, 'dist/db/migrations')).some((f) => f.endsWith('.sql'))).toBe(true);
      // Only the compiled output: no TypeScript sources, compiler or loader, and no dev tools.
      for (const absent of ['test', 'data', '.git', 'server', 'views', 'db', 'tsconfig.json', 'node_modules/tsx', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/drizzle-kit', 'node_modules/playwright-core']) {
        expect(fs.existsSync(path.join(app, absent)), `image should not contain ${absent}`).toBe(false);
      }
      // Native build leftovers are pruned: better-sqlite3 keeps only the addon it loads.
      const sqliteBuild = path.join(app, 'node_modules/better-sqlite3/build');
      expect(listFiles(sqliteBuild)).toEqual(['Release/better_sqlite3.node']);
      for (const absent of ['deps', 'src']) {
        expect(fs.existsSync(path.join(app, 'node_modules/better-sqlite3', absent)), `better-sqlite3/${absent} left in the image`).toBe(false);
      }
      const appBytes = du(app);
      log.notes.push(`image adds ${(appBytes / 1e6).toFixed(1)} MB to the base image (${rt.workdir})`);
      expect(appBytes, 'what the runtime stage adds to the base image').toBeLessThan(40e6);
      // /data (DATA_DIR, the VOLUME) exists and belongs to the runtime USER.
      const user = userName(rt.user);
      expect(ROOT_USERS.has(user)).toBe(false);
      const dataDirC = rt.env.DATA_DIR!;
      expect(fs.statSync(hostPath(rt, dataDirC)).isDirectory()).toBe(true);
      expect(userName(rt.owners.get(dataDirC) ?? 'root'), `${dataDirC} must be owned by ${user}`).toBe(user);

      // ---- run (as `docker run`: the CMD, from WORKDIR, with the image ENV; PORT/DATA_DIR overridden)
      const dataDir = fs.mkdtempSync(path.join(tmpRoot, 'data-'));
      const roots = containerRoots(dockerfile);
      const cmd = lastOf(rt.stage, 'CMD')!.cmd as { form: 'exec'; argv: string[] };
      const hc = lastOf(rt.stage, 'HEALTHCHECK')!.cmd as CommandForm;
      const before = snapshot(app);

      const startContainer = async (): Promise<{ env: Record<string, string>; base: string; startMs: number }> => {
        const port = await freePort();
        const env: Record<string, string> = {
          ...hostEnv(),
          PATH: `${toolchain.binDir}:${hostEnv().PATH ?? '/usr/bin:/bin'}`,
          ...mappedEnv(rt, roots),
          PORT: String(port),
          DATA_DIR: dataDir,
          ADMIN_PASSWORD: 'some-test-password',
          SECRET_KEY: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
        };
        output = '';
        const t0 = Date.now();
        const exe = cmd.argv[0] === 'node' ? toolchain.node : cmd.argv[0]!;
        const proc = spawn(exe, cmd.argv.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
        child = proc;
        const collect = (b: Buffer): void => {
          output = (output + b.toString('utf8')).slice(-20_000);
        };
        proc.stdout!.on('data', collect);
        proc.stderr!.on('data', collect);
        const base = `http://127.0.0.1:${port}`;
        while (Date.now() - t0 < 30_000) {
          if (proc.exitCode !== null || proc.signalCode !== null) {
            throw new Error(`the app exited early (code ${proc.exitCode}, signal ${proc.signalCode}):\n${output}`);
          }
          try {
            const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
            if (res.status === 200) {
              // Built without BUILD_COMMIT and without .git: the version is known, the commit says so.
              expect(await res.json()).toEqual({ status: 'ok', version: packageVersion, commit: 'unknown' });
              return { env, base, startMs: Date.now() - t0 };
            }
          } catch {
            /* not listening yet */
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`no 200 from /healthz within 30 s; output:\n${output}`);
      };

      const stopContainer = async (env: Record<string, string>): Promise<void> => {
        const proc = child!;
        proc.kill('SIGTERM');
        const exit = await waitForExit(proc, 10_000);
        expect(exit, `no exit within 10 s of SIGTERM; output:\n${output}`).not.toBe('timeout');
        expect(exit, `exit after SIGTERM; output:\n${output}`).toEqual({ code: 0, signal: null });
        expect(runHealthcheck(hc, env, app), 'HEALTHCHECK must fail once the app is down').not.toBe(0);
      };

      const first = await startContainer();
      const startMs = first.startMs;
      const ready = await fetch(`${first.base}/readyz`, { signal: AbortSignal.timeout(5_000) });
      expect(ready.status, `/readyz: ${await ready.clone().text()}`).toBe(200);

      // The image's own HEALTHCHECK command, run with the container's environment.
      expect(runHealthcheck(hc, first.env, app), 'HEALTHCHECK against the running app').toBe(0);

      // Assets resolve in the image layout (htmx from node_modules) and a JSX page renders (needs
      // tsconfig.json's jsxImportSource in the image).
      const htmx = await fetch(`${first.base}/static/htmx.min.js`, { signal: AbortSignal.timeout(5_000) });
      expect(htmx.status).toBe(200);
      expect((await htmx.text()).length).toBeGreaterThan(10_000);
      const page = await fetch(`${first.base}/`, { signal: AbortSignal.timeout(5_000) });
      expect(page.status, `GET / (after redirects): ${page.url}`).toBe(200);
      expect(page.headers.get('content-type') ?? '').toMatch(/text\/html/);
      expect(await page.text()).toMatch(/<html/i);

      // The app keeps its state in DATA_DIR (the volume) and writes nothing into the image's /app.
      expect(fs.readdirSync(dataDir).length, 'DATA_DIR is empty after start').toBeGreaterThan(0);
      const changed = [...snapshot(app)].filter(([f, sig]) => before.get(f) !== sig).map(([f]) => f);
      expect(changed, 'files written under the image WORKDIR (read-only for the node user)').toEqual([]);

      // ---- graceful stop, then a restart on the same volume (restart: unless-stopped)
      await stopContainer(first.env);
      const second = await startContainer();
      const ready2 = await fetch(`${second.base}/readyz`, { signal: AbortSignal.timeout(5_000) });
      expect(ready2.status, `/readyz after restart: ${await ready2.clone().text()}`).toBe(200);
      await stopContainer(second.env);

      console.log(
        [
          `simulated docker build: ${(buildMs / 1000).toFixed(1)} s; app healthy ${(startMs / 1000).toFixed(1)} s after start; total ${((Date.now() - started) / 1000).toFixed(1)} s`,
          ...log.notes,
          ...log.timings.filter(([, ms]) => ms > 1000).map(([k, ms]) => `  ${k}: ${(ms / 1000).toFixed(1)} s`),
        ].join('\n'),
      );
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
      if (process.env.KEEP_DOCKERFILE_SIM === '1') console.log(`kept ${tmpRoot}`);
      else fs.rmSync(tmpRoot, { recursive: true, force: true });
    }
  }, 900_000);
});
