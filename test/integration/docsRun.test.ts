// Docs that run: every command and snippet in the READMEs and docs/ that talks to the appliance (curl,
// openssl, Node, the CLI, the hook recipes) is run here as printed against a live appliance, once with
// a token whose signature is optional and once with a token that requires one. Placeholders (the
// token, the signing secret, the address, an event id) are the only things replaced.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveHookMapping } from '../../db/queries/hooks.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { HOOK_EXAMPLES } from '../../server/hooks/examples.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { buildNotifyCli } from '../helpers/notifyCliBuild.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const ROOT = join(import.meta.dirname, '../..');
const FILES = ['README.md', 'README.zh-CN.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const KEY = '5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f';
const WINDOW_MS = 2_000;

interface Snippet {
  where: string;
  lang: string;
  code: string;
}

/** Fenced blocks (also indented inside list items), without their indentation. */
function fencedBlocks(file: string, md: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, /^ */.exec(lines[j]!)![0].length)));
    out.push({ where: `${file}:${i + 1}`, lang: open[2]!, code: body.join('\n') + '\n' });
    i = j;
  }
  return out;
}

/** Commands written inline in the prose: `curl …`, `storeclaw-notify …`, or a crontab line running it. */
function inlineCommands(file: string, md: string): Snippet[] {
  const prose = md.replace(/^ *```[\s\S]*?^ *```/gm, '');
  return [...prose.matchAll(/`([^`\n]+)`/g)]
    .filter((m) => /^(?:(?:\S+ ){5})?storeclaw-notify \w|^curl /.test(m[1]!))
    .map((m) => ({ where: `${file}: \`${m[1]}\``, lang: 'sh', code: m[1]!.replace(/^(?:[\d*/,-]+ ){5}(?=storeclaw-notify)/, '') + '\n' }));
}

/** What marks a snippet as talking to the appliance. Diagrams, templates and answers have no language or are JSON. */
const TALKS = /\/api\/v1\/|localhost:8080|storeclaw-notify|x-signature|HttpRequest/;
const CODE_LANGS = new Set(['sh', 'bash', 'js', 'mjs', 'yaml']);
const isSigned = (code: string) => /x-signature|createHmac|SIGNING_SECRET/.test(code);
/** Probes that need no token (health, readiness): they answer whatever the token requires. */
const isPublicProbe = (code: string) => /localhost:8080\/(healthz|readyz)\b/.test(code) && !/\/api\/v1\/|storeclaw-notify/.test(code);

interface Creds {
  id: number;
  token: string;
  secret: string;
  /** An event this token sent, for the snippets that read one back. */
  eventId: number;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('every command and snippet in the docs that talks to the appliance runs as printed', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let optional: Creds;
  let required: Creds;
  let dir: string;
  let cli: string;
  const snippets = FILES.flatMap((file) => {
    const md = readFileSync(join(ROOT, file), 'utf8');
    return [...fencedBlocks(file, md).filter((s) => CODE_LANGS.has(s.lang)), ...inlineCommands(file, md)].filter((s) => TALKS.test(s.code));
  });

  /** The snippet with its placeholders filled in for this token. */
  function fill(code: string, creds: Creds): string {
    return code
      .replaceAll('http://localhost:8080', app.url)
      .replace(/scn_…|<the token>|<令牌>/g, creds.token)
      .replace(/scs_…|<签名密钥>/g, creds.secret)
      .replaceAll('/api/v1/events/42', `/api/v1/events/${creds.eventId}`);
  }

  const shellPrelude = () => [
    'set -eo pipefail',
    // Each answer's status on stderr (stdout stays what the snippet pipes or saves), its body ended by a newline.
    `curl() { command curl -sS -w '\\n%{stderr}@@ %{http_code}\\n' "$@"; }`,
    `storeclaw-notify() { node ${JSON.stringify(cli)} "$@"; }`,
    'logger() { echo "logger: $*" >&2; return 1; }',
  ].join('\n');

  async function runShell(code: string, creds: Creds, env: Record<string, string> = {}): Promise<Outcome & { statuses: number[] }> {
    const script = join(dir, `snippet-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(script, `${shellPrelude()}\n${fill(code, creds)}`);
    // TOKEN and SIGNING_SECRET are the names the docs' shell snippets use for the two credentials; the
    // CLI's variables are set as docs/integrations.md tells (its block exports them again).
    const base = { TOKEN: creds.token, SIGNING_SECRET: creds.secret, STORECLAW_NOTIFY_URL: app.url, STORECLAW_NOTIFY_TOKEN: creds.token };
    // In a directory of its own: snippets save files (an exported configuration) where they run.
    const out = await exec('bash', [script], { cwd: dir, env: { ...base, ...env } });
    return { ...out, statuses: [...out.stderr.matchAll(/^@@ (\d{3})$/gm)].map((m) => Number(m[1])) };
  }

  /** Zabbix runs the script with `value` (the media type's parameters) and an HttpRequest object; here HttpRequest is curl. */
  async function runZabbix(code: string, creds: Creds): Promise<Outcome> {
    const params = { ...JSON.parse(readFileSync(join(ROOT, 'test/fixtures/hooks/zabbix-problem.json'), 'utf8')), endpoint: `${app.url}/api/v1/hooks/zabbix`, token: creds.token };
    const file = join(dir, 'zabbix.cjs');
    writeFileSync(
      file,
      [
        `const { spawnSync } = require('node:child_process');`,
        `function HttpRequest() { this.headers = []; this.status = 0; }`,
        `HttpRequest.prototype.addHeader = function (h) { this.headers.push(h); };`,
        `HttpRequest.prototype.getStatus = function () { return this.status; };`,
        `HttpRequest.prototype.post = function (url, body) {`,
        `  const r = spawnSync('curl', ['-sS', '-X', 'POST', '-w', '\\n%{http_code}', ...this.headers.flatMap((h) => ['-H', h]), '--data-binary', '@-', url], { input: body, encoding: 'utf8' });`,
        `  const lines = r.stdout.split('\\n'); this.status = Number(lines.pop()); return lines.join('\\n');`,
        `};`,
        `try { console.log((function (value) {\n${code}\n})(process.env.VALUE)); } catch (e) { console.error(String(e)); process.exit(1); }`,
      ].join('\n'),
    );
    return exec(process.execPath, [file], { env: { VALUE: JSON.stringify(params) } });
  }

  /** The GitHub Actions step: its `run` script with its `env`, and the event file GitHub provides. */
  async function runWorkflow(code: string, creds: Creds): Promise<Outcome & { statuses: number[] }> {
    const lines = code.split('\n');
    const at = lines.findIndex((l) => /- run: \|$/.test(l));
    expect(at, 'the workflow has a run: | step').toBeGreaterThan(-1);
    const indent = /^ */.exec(lines[at + 1]!)![0].length;
    const script = lines.slice(at + 1).filter((l, i, all) => all.slice(0, i + 1).every((x) => /^ *$/.test(x) || /^ */.exec(x)![0].length >= indent)).map((l) => l.slice(indent));
    const envLine = lines.find((l) => /^\s*env: \{/.test(l)) ?? '';
    const env: Record<string, string> = {};
    for (const [, name = '', source = ''] of envLine.matchAll(/(\w+): "\$\{\{ ([\w.]+) \}\}"/g)) {
      env[name] = source === 'vars.NOTIFIER_URL' ? app.url : source === 'secrets.NOTIFIER_TOKEN' ? creds.token : `unknown ${source}`;
    }
    expect(Object.keys(env).sort()).toEqual(['TOKEN', 'URL']);
    return runShell(script.join('\n'), creds, { ...env, GITHUB_EVENT_PATH: join(ROOT, 'test/fixtures/hooks/github-workflow_run-failure.json') });
  }

  async function runNode(code: string, creds: Creds): Promise<Outcome> {
    const file = join(dir, 'sign.mjs');
    writeFileSync(file, fill(code, creds));
    return exec(process.execPath, [file], { cwd: dir, env: { SCN_TOKEN: creds.token, SCN_SIGNING_SECRET: creds.secret } });
  }

  /** The answers a snippet documents in a comment (`# → 202 {"id":1,"status":"queued"}`) next to the ones it got. */
  function documentedAnswers(code: string): Array<{ status: number; body: Record<string, unknown> }> {
    return [...code.matchAll(/(?:#|\/\/) (?:→ )?(\d{3}) (\{.*\})\s*$/gm)].map((m) => ({ status: Number(m[1]), body: JSON.parse(m[2]!) as Record<string, unknown> }));
  }

  function expectAnswersAsDocumented(s: Snippet, out: { stdout: string; statuses: number[] }, creds: Creds) {
    // Node prints "202 {…}"; curl's bodies are lines of stdout, their statuses in order on stderr.
    const printed = [...out.stdout.matchAll(/^(\d{3}) (\{.*\})$/gm)].map((m) => ({ status: Number(m[1]), body: JSON.parse(m[2]!) as Record<string, unknown> }));
    const bodies = [...out.stdout.matchAll(/^(\{.*\})$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    const answers = printed.length ? printed : bodies.map((body, i) => ({ status: out.statuses[i] ?? 0, body }));
    const documented = documentedAnswers(s.code);
    documented.forEach((doc, i) => {
      const got = answers[i];
      expect(got?.status, `${s.where}: documented ${doc.status}`).toBe(doc.status);
      // Same members, same values except the ids a fresh appliance hands out.
      expect(Object.keys(got!.body).sort(), s.where).toEqual(Object.keys(doc.body).sort());
      for (const [k, v] of Object.entries(doc.body)) if (k !== 'id') expect(got!.body[k], `${s.where}: ${k}`).toEqual(v);
    });
    // Every event a snippet created is stored under the token it used.
    for (const { body } of answers) if (typeof body.id === 'number' && typeof body.status === 'string') expect(getEvent(app.deps.db, body.id)?.tokenId, s.where).toBe(creds.id);
  }

  async function run(s: Snippet, creds: Creds, env: Record<string, string> = {}): Promise<Outcome & { statuses: number[] }> {
    if (s.lang === 'js' && s.code.includes('HttpRequest')) return { ...(await runZabbix(s.code, creds)), statuses: [] };
    if (s.lang === 'js' || s.lang === 'mjs') {
      const out = await runNode(s.code, creds);
      return { ...out, statuses: [...out.stdout.matchAll(/^(\d{3}) /gm)].map((m) => Number(m[1])) };
    }
    if (s.lang === 'yaml') return runWorkflow(s.code, creds);
    return runShell(s.code, creds, env);
  }

  async function issue(name: string, requireSignature: boolean): Promise<Creds> {
    // Every scope: the docs also export and import the configuration.
    const { id, token, signingSecret } = issueApiToken(app.deps, { name, requireSignature, now: Date.now(), scopes: ['send', 'read', 'admin'] });
    const first = await postEvent(app.url, token, { kind: 'alert', title: `${name} first` }, { sign: { secret: signingSecret } });
    expect(first.status).toBe(202);
    return { id, token, secret: signingSecret, eventId: first.json.id as number };
  }

  beforeAll(async () => {
    // The CLI as the docs run it: compiled, started with plain node.
    cli = buildNotifyCli('docs-cli-build');
    dir = mkdtempSync(join(tmpdir(), 'docs-run-'));
    fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'docs-run-password', WECOM_RATE_WINDOW_MS: String(WINDOW_MS) } });
    const admin = new ConsoleClient(app.url);
    await admin.signIn('docs-run-password');
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBeLessThan(400);
    // Every snippet's alert is its own message: no dedupe between the two tokens' runs.
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    for (const [name, example] of [['github', 'github_workflow_run'], ['zabbix', 'zabbix'], ['grafana', 'grafana'], ['uptime_kuma', 'uptime_kuma']] as const) {
      saveHookMapping(app.deps.db, name, JSON.stringify(HOOK_EXAMPLES[example]), Date.now());
    }
    optional = await issue('docs optional', false);
    required = await issue('docs required', true);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the snippets: curl, openssl, Node, the CLI, Zabbix and GitHub Actions, in English and Chinese', () => {
    const where = snippets.map((s) => s.where).join('\n');
    expect(snippets.length, where).toBeGreaterThanOrEqual(12);
    for (const file of ['README.md', 'README.zh-CN.md', 'docs/integrations.md', 'docs/metric-rules.md']) expect(where).toContain(file);
    expect(snippets.some((s) => s.code.includes('openssl dgst'))).toBe(true);
    expect(snippets.some((s) => s.code.includes('createHmac'))).toBe(true);
    expect(snippets.some((s) => s.code.includes('storeclaw-notify'))).toBe(true);
    expect(snippets.filter((s) => isSigned(s.code)).length).toBeGreaterThanOrEqual(4);
    expect(snippets.some((s) => s.code.includes('/api/v1/config?dry_run=true') && s.code.includes('If-Match'))).toBe(true);
  });

  it('with a token whose signature is optional, every snippet succeeds, signed or not', async () => {
    for (const s of snippets) {
      const out = await run(s, optional);
      expect(out.code, `${s.where}\n${out.stdout}\n${out.stderr}`).toBe(0);
      // Every curl of the snippet answered (the statuses come from the curl wrapper).
      if (s.lang === 'sh' || s.lang === 'yaml') expect(out.statuses.length, s.where).toBe((s.code.match(/\bcurl\b/g) ?? []).length);
      for (const status of out.statuses) expect(status, `${s.where}\n${out.stdout}`).toBeGreaterThanOrEqual(200);
      for (const status of out.statuses) expect(status, `${s.where}\n${out.stdout}`).toBeLessThan(300);
      expect(out.stderr, s.where).not.toMatch(/logger:|answered [45]\d\d/);
      expectAnswersAsDocumented(s, out, optional);
    }
    // What the docs sent reached the group.
    const titles = ['SKU-1024 low stock', 'SKU-1024 库存不足', 'Payment errors', 'Refunds above 5%', '支付异常', 'Backup failed', 'nightly-sync', 'High CPU utilization', 'Nightly price sync'];
    const missing = () => titles.filter((title) => !fake.received.some((m) => JSON.stringify(m.body).includes(title)));
    await waitFor(() => missing().length === 0, 20_000);
    expect(missing()).toEqual([]);
  }, 240_000);

  it('with a token that requires signing, the signed snippets succeed and the unsigned ones are refused', async () => {
    const signed = snippets.filter((s) => isSigned(s.code));
    for (const s of signed) {
      const out = await run(s, required);
      expect(out.code, `${s.where}\n${out.stdout}\n${out.stderr}`).toBe(0);
      for (const status of out.statuses) expect([200, 202], `${s.where}\n${out.stdout}`).toContain(status);
      expectAnswersAsDocumented(s, out, required);
    }
    for (const s of snippets.filter((x) => !isSigned(x.code) && !isPublicProbe(x.code))) {
      const out = await run(s, required);
      // curl shows the 401; the Zabbix script throws with it; curl -f and the CLI say it on stderr.
      const refused = out.code !== 0 || out.statuses.includes(401);
      expect(refused && (out.statuses.includes(401) || /\b401\b|signature/i.test(out.stderr)), `${s.where} was not refused\n${out.stdout}\n${out.stderr}`).toBe(true);
      expect(out.statuses.filter((x) => x < 300), s.where).toEqual([]);
    }
  }, 240_000);

  it('the CLI snippets sign every request, the --wait polls too, with STORECLAW_NOTIFY_SIGNING_SECRET', async () => {
    const cli = snippets.filter((s) => s.code.includes('storeclaw-notify'));
    expect(cli.length).toBeGreaterThanOrEqual(2);
    for (const s of cli) {
      const out = await run(s, required, { STORECLAW_NOTIFY_SIGNING_SECRET: required.secret });
      expect(out.code, `${s.where}\n${out.stdout}\n${out.stderr}`).toBe(0);
    }
  }, 240_000);
});
