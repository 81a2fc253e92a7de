// Keeps the READMEs honest where that is cheap: the variables, npm scripts, console labels and relative
// links they name must exist, so a rename in the code or a moved doc fails here instead of on a user's
// first day.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from '../../server/security/loginThrottle.ts';
import { dictionaries, type MessageKey } from '../../server/strings/translate.ts';

const ROOT = join(import.meta.dirname, '../..');
const READMES = ['README.md', 'README.zh-CN.md'];
const DOCS = [...READMES, ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Console labels the READMEs walk users through; each must be shown in bold exactly as the console says it. */
const CONSOLE_TERMS: MessageKey[] = [
  'nav.channels', 'card.title', 'card.add', 'card.url.label', 'card.connect', 'card.sendTest', 'card.replace', 'card.disconnect',
  'nav.inbound', 'inbound.create.submit', 'inbound.recent', 'nav.sendLog', 'nav.audit', 'nav.notifications', 'notifications.minSeverity',
  'notifications.format', 'notifications.format.text', 'nav.reports', 'reports.job.runNow', 'reports.job.preview',
  'nav.troubleshooting', 'nav.settings',
];

/** Variables a README tells users to set that other programs read, not the appliance. */
const READ_BY_OTHERS: Readonly<Record<string, string>> = {
  NODEJS_ORG_MIRROR: 'node-gyp, for Node.js headers when better-sqlite3 compiles',
  BUILD_COMMIT: 'docker build, as a build argument: the commit written into dist/build-info.json',
};
/** Where the appliance and its demo fake read their environment. */
const ENV_READERS = ['server/config.ts', 'test/fakeWecomCli.ts'];

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
// Fences may be indented inside list items.
const withoutCode = (md: string) => md.replace(/^ *```[\s\S]*?^ *```/gm, '');
const codeBlocks = (md: string, lang: string) => [...md.matchAll(new RegExp(`^ *\`\`\`${lang}\\n([\\s\\S]*?)^ *\`\`\``, 'gm'))].map((m) => m[1] ?? '');

/** First-column names of the configuration tables (header `| variable |` or `| 变量 |`). */
function tableVariables(md: string): string[] {
  const names: string[] = [];
  let inTable = false;
  for (const line of md.split('\n')) {
    if (/^\| (variable|变量) \|/.test(line)) inTable = true;
    else if (!line.startsWith('|')) inTable = false;
    else if (inTable) names.push(...[...(/^\| `([A-Za-z0-9_]+)` \|/.exec(line) ?? [])].slice(1));
  }
  return names;
}

/**
 * Variables shell examples hand to a program: `export NAME=…` and `NAME=value command`, e.g.
 * `WECOM_API_ORIGIN=http://127.0.0.1:9090 npm start`. A line that only assigns (`TOKEN='scn_…'`) sets a
 * variable of the snippet itself.
 */
function shellVariables(md: string): string[] {
  const value = `(?:'[^']*'|"[^"]*"|[^\\s'"$()]+)`;
  const prefix = new RegExp(`^\\s*((?:[A-Z][A-Z0-9_]*=${value}\\s+)+)[^\\s#]`);
  return codeBlocks(md, 'sh').flatMap((block) =>
    block.split('\n').flatMap((line) => {
      const exported = /^\s*export\s+([A-Z][A-Z0-9_]*)=/.exec(line);
      if (exported) return [exported[1]!];
      const env = prefix.exec(line);
      return env ? [...env[1]!.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!) : [];
    }),
  );
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text = ''] of withoutCode(md).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe('README and docs stay true to the code', () => {
  it('every variable the READMEs tell users to set is read by the appliance or the demo fake', () => {
    const readers = ENV_READERS.map(read).join('\n');
    const documented = new Set(READMES.flatMap((f) => [...tableVariables(read(f)), ...shellVariables(read(f))]));
    expect(documented.size).toBeGreaterThan(8); // the tables were found
    // Read means a schema key (`  PORT: v.…`) or `env.NAME`, not merely a constant of the same name.
    const isRead = (name: string) => new RegExp(`^\\s*${name}:|\\benv\\.${name}\\b`, 'm').test(readers);
    const unread = [...documented].filter((name) => !(name in READ_BY_OTHERS) && !isRead(name));
    expect(unread, `documented but read nowhere in ${ENV_READERS.join(', ')}`).toEqual([]);
  });

  it('the FAQ tells a locked-out admin the throttle’s real numbers and how to get back in, in both languages', () => {
    const minutes = LOGIN_WINDOW_MS / 60_000;
    const en = read('README.md');
    expect(en).toContain(`After ${LOGIN_MAX_FAILURES} wrong passwords\nfrom one address within ${minutes} minutes`);
    expect(en).toContain('`docker compose restart notifier`');
    const zh = read('README.zh-CN.md');
    expect(zh).toContain(`同一地址在 ${minutes} 分钟内输错 ${LOGIN_MAX_FAILURES} 次密码后`);
    expect(zh).toContain('`docker compose restart notifier`');
  });

  it.each([
    ['README.md', '## Five-minute trial'],
    ['README.zh-CN.md', '## 五分钟试用'],
  ])('%s: the trial ends by opening the fake WeCom group page', (file, heading) => {
    const md = read(file);
    const trial = md.slice(md.indexOf(heading), md.indexOf('\n## ', md.indexOf(heading) + 1));
    const steps = [...trial.matchAll(/^\d+\. [\s\S]*?(?=^\d+\. |^\S)/gm)].map((m) => m[0]);
    expect(steps.length).toBeGreaterThanOrEqual(7);
    expect(steps.at(-1)).toContain('<http://127.0.0.1:9090/>');
  });

  it('the Chinese quick start documents no variable the English README lacks', () => {
    const english = new Set(tableVariables(read('README.md')));
    expect(tableVariables(read('README.zh-CN.md')).filter((name) => !english.has(name))).toEqual([]);
  });

  it.each([
    ['README.md', 'en'],
    ['README.zh-CN.md', 'zh'],
  ] as const)('%s names the console\'s buttons and pages in its own words', (file, lang) => {
    const md = read(file);
    // Bold alone, or one side of a bilingual "**Channels / 消息渠道**".
    const bold = (term: string) => new RegExp(`\\*\\*(?:[^*]* / )?${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: / [^*]*)?\\*\\*`);
    expect(CONSOLE_TERMS.filter((key) => !bold(dictionaries[lang][key]).test(md)).map((key) => `${key}: ${dictionaries[lang][key]}`)).toEqual([]);
  });

  it('every npm script the READMEs and docs name exists in package.json', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const named = new Set(DOCS.flatMap((f) => [...read(f).matchAll(/\bnpm (?:run (?:-s )?([\w:-]*\w)|(start|test)\b)/g)].map((m) => m[1] ?? m[2] ?? '')));
    expect(named).toContain('fake-wecom');
    expect([...named].filter((name) => !(name in scripts))).toEqual([]);
  });

  it('every relative link points to an existing file (and heading)', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      for (const [, target = ''] of withoutCode(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: not ours to check offline
        checked++;
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), decodeURI(path)));
        if (!existsSync(join(ROOT, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
        else if (anchor !== undefined && !anchors(read(resolved)).has(decodeURIComponent(anchor))) broken.push(`${file}: ${target} (no heading #${anchor})`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });
});
