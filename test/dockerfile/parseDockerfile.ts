/**
 * A small Dockerfile and .dockerignore parser, enough to check and simulate this project's image
 * build without a Docker engine (see test/integration/dockerfile.test.ts).
 *
 * Supported: comments and parser directives, line continuations (`\`), FROM … AS name, ARG, ENV
 * (both `k=v …` and legacy `k v`), WORKDIR, USER, COPY/ADD (flags --from, --chown, --chmod, --link;
 * shell and JSON forms), RUN (shell and exec form, --mount-style flags kept), VOLUME, EXPOSE,
 * HEALTHCHECK (options + CMD/NONE), CMD, ENTRYPOINT (exec and shell form), LABEL, STOPSIGNAL.
 * Heredocs (`<<EOF`) are rejected rather than misread.
 */

export type CommandForm = { form: 'exec'; argv: string[] } | { form: 'shell'; command: string };

interface Base {
  /** 1-based line number where the instruction starts. */
  line: number;
  /** The instruction text after the keyword, continuations joined. */
  raw: string;
}

interface CopyBody {
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  sources: string[];
  dest: string;
}

export type Instruction =
  | (Base & { kind: 'FROM'; image: string; name?: string; platform?: string })
  | (Base & { kind: 'ARG'; name: string; defaultValue?: string })
  | (Base & { kind: 'ENV'; vars: Array<[string, string]> })
  | (Base & { kind: 'LABEL'; labels: Array<[string, string]> })
  | (Base & { kind: 'WORKDIR'; path: string })
  | (Base & { kind: 'USER'; user: string })
  | (Base & CopyBody & { kind: 'COPY' })
  | (Base & CopyBody & { kind: 'ADD' })
  | (Base & { kind: 'RUN'; flags: Record<string, string>; cmd: CommandForm })
  | (Base & { kind: 'VOLUME'; paths: string[] })
  | (Base & { kind: 'EXPOSE'; ports: string[] })
  | (Base & { kind: 'HEALTHCHECK'; options: Record<string, string>; cmd: CommandForm | 'NONE' })
  | (Base & { kind: 'CMD'; cmd: CommandForm })
  | (Base & { kind: 'ENTRYPOINT'; cmd: CommandForm })
  | (Base & { kind: 'STOPSIGNAL'; signal: string })
  | (Base & { kind: 'OTHER'; keyword: string });

export interface Stage {
  index: number;
  /** Lower-cased stage name from `FROM … AS name`, if any. */
  name?: string;
  /** The FROM image (or earlier stage name), as written. */
  image: string;
  from: Extract<Instruction, { kind: 'FROM' }>;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG instructions before the first FROM. */
  globalArgs: Array<Extract<Instruction, { kind: 'ARG' }>>;
  stages: Stage[];
}

export class DockerfileParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(`Dockerfile line ${line}: ${message}`);
  }
}

/** Joins continuation lines and drops comments; returns [line, keyword, rest] per instruction. */
export function logicalLines(text: string): Array<{ line: number; keyword: string; rest: string }> {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let escape = '\\';
  // Parser directives: only at the very top, before any instruction, comment or blank line.
  for (const l of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(l);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape') escape = m[2]!;
  }
  const out: Array<{ line: number; keyword: string; rest: string }> = [];
  let buf: string | null = null;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    // Comment lines are removed everywhere, including inside a continued instruction.
    if (trimmed.startsWith('#')) continue;
    if (buf === null) {
      if (trimmed === '') continue;
      buf = '';
      start = i + 1;
    } else if (trimmed === '') {
      continue; // empty continuation lines are tolerated (deprecated) by Docker
    }
    const stripped = line.replace(/\s+$/, '');
    if (stripped.endsWith(escape)) {
      buf += stripped.slice(0, -escape.length) + ' ';
      continue;
    }
    buf += line;
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(buf)!;
    out.push({ line: start, keyword: m[1]!.toUpperCase(), rest: m[2]!.trim() });
    buf = null;
  }
  if (buf !== null && buf.trim() !== '') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(buf)!;
    out.push({ line: start, keyword: m[1]!.toUpperCase(), rest: m[2]!.trim() });
  }
  return out;
}

/** Shell-ish word splitting: whitespace separated, honouring '…', "…" and backslash escapes. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${s}`);
      cur += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        cur += s[i];
        i++;
      }
      if (i >= s.length) throw new Error(`unterminated " in: ${s}`);
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      i += 2;
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function tryJsonArray(s: string): string[] | null {
  if (!s.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* not JSON: shell form */
  }
  return null;
}

function commandForm(s: string): CommandForm {
  const argv = tryJsonArray(s);
  return argv ? { form: 'exec', argv } : { form: 'shell', command: s };
}

/** Peels leading `--name=value` / `--flag` options off an instruction's arguments. */
function takeFlags(s: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = s;
  for (;;) {
    const m = /^--([A-Za-z][\w-]*)(?:=("[^"]*"|'[^']*'|\S*))?\s*/.exec(rest);
    if (!m) break;
    let val = m[2] ?? 'true';
    if (/^(["']).*\1$/.test(val)) val = val.slice(1, -1);
    flags[m[1]!.toLowerCase()] = val;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest: rest.trim() };
}

function keyValues(rest: string, line: number, kw: string): Array<[string, string]> {
  const words = splitWords(rest);
  if (words.length === 0) throw new DockerfileParseError(`${kw} needs arguments`, line);
  if (!words[0]!.includes('=')) {
    // Legacy form: `ENV key value with spaces`
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw new DockerfileParseError(`${kw} ${rest}: missing value`, line);
    return [[m[1]!, splitWords(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileParseError(`${kw}: expected key=value, got ${w}`, line);
    return [w.slice(0, eq), w.slice(eq + 1)] as [string, string];
  });
}

export function parseDockerfile(text: string): Dockerfile {
  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const { line, keyword, rest } of logicalLines(text)) {
    if (/<<-?["']?[A-Za-z_]/.test(rest) && (keyword === 'RUN' || keyword === 'COPY')) {
      throw new DockerfileParseError('heredocs are not supported by this parser', line);
    }
    let ins: Instruction;
    switch (keyword) {
      case 'FROM': {
        const { flags, rest: r } = takeFlags(rest);
        const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(r);
        if (!m) throw new DockerfileParseError(`bad FROM: ${rest}`, line);
        ins = { kind: 'FROM', line, raw: rest, image: m[1]!, name: m[2]?.toLowerCase(), platform: flags.platform };
        result.stages.push({ index: result.stages.length, name: ins.name, image: ins.image, from: ins, instructions: [] });
        continue;
      }
      case 'ARG': {
        const eq = rest.indexOf('=');
        ins =
          eq < 0
            ? { kind: 'ARG', line, raw: rest, name: rest.trim() }
            : { kind: 'ARG', line, raw: rest, name: rest.slice(0, eq).trim(), defaultValue: splitWords(rest.slice(eq + 1)).join(' ') };
        if (result.stages.length === 0) {
          result.globalArgs.push(ins);
          continue;
        }
        break;
      }
      case 'ENV':
        ins = { kind: 'ENV', line, raw: rest, vars: keyValues(rest, line, 'ENV') };
        break;
      case 'LABEL':
        ins = { kind: 'LABEL', line, raw: rest, labels: keyValues(rest, line, 'LABEL') };
        break;
      case 'WORKDIR':
        ins = { kind: 'WORKDIR', line, raw: rest, path: rest };
        break;
      case 'USER':
        ins = { kind: 'USER', line, raw: rest, user: rest };
        break;
      case 'COPY':
      case 'ADD': {
        const { flags, rest: r } = takeFlags(rest);
        const parts = tryJsonArray(r) ?? splitWords(r);
        if (parts.length < 2) throw new DockerfileParseError(`${keyword} needs a source and a destination`, line);
        ins = {
          kind: keyword,
          line,
          raw: rest,
          from: flags.from,
          chown: flags.chown,
          chmod: flags.chmod,
          link: flags.link !== undefined && flags.link !== 'false',
          sources: parts.slice(0, -1),
          dest: parts[parts.length - 1]!,
        };
        break;
      }
      case 'RUN': {
        const { flags, rest: r } = takeFlags(rest);
        ins = { kind: 'RUN', line, raw: rest, flags, cmd: commandForm(r) };
        break;
      }
      case 'VOLUME': {
        const paths = tryJsonArray(rest) ?? splitWords(rest);
        ins = { kind: 'VOLUME', line, raw: rest, paths };
        break;
      }
      case 'EXPOSE':
        ins = { kind: 'EXPOSE', line, raw: rest, ports: splitWords(rest) };
        break;
      case 'HEALTHCHECK': {
        const { flags, rest: r } = takeFlags(rest);
        if (/^NONE$/i.test(r)) {
          ins = { kind: 'HEALTHCHECK', line, raw: rest, options: flags, cmd: 'NONE' };
        } else {
          const m = /^CMD\s+([\s\S]+)$/i.exec(r);
          if (!m) throw new DockerfileParseError(`HEALTHCHECK must be followed by CMD or NONE: ${rest}`, line);
          ins = { kind: 'HEALTHCHECK', line, raw: rest, options: flags, cmd: commandForm(m[1]!.trim()) };
        }
        break;
      }
      case 'CMD':
      case 'ENTRYPOINT':
        ins = { kind: keyword, line, raw: rest, cmd: commandForm(rest) };
        break;
      case 'STOPSIGNAL':
        ins = { kind: 'STOPSIGNAL', line, raw: rest, signal: rest };
        break;
      default:
        ins = { kind: 'OTHER', line, raw: rest, keyword };
    }
    const stage = result.stages[result.stages.length - 1];
    if (!stage) throw new DockerfileParseError(`${keyword} before the first FROM`, line);
    stage.instructions.push(ins);
  }
  if (result.stages.length === 0) throw new DockerfileParseError('no FROM instruction', 1);
  return result;
}

/** The stage's last instruction of a kind (CMD, HEALTHCHECK, USER…: the last one wins). */
export function lastOf<K extends Instruction['kind']>(stage: Stage, kind: K): Extract<Instruction, { kind: K }> | undefined {
  const all = stage.instructions.filter((i): i is Extract<Instruction, { kind: K }> => i.kind === kind);
  return all[all.length - 1];
}

export function allOf<K extends Instruction['kind']>(stage: Stage, kind: K): Array<Extract<Instruction, { kind: K }>> {
  return stage.instructions.filter((i): i is Extract<Instruction, { kind: K }> => i.kind === kind);
}

/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` expansion as Docker does in ENV/COPY/WORKDIR… */
export function expandVars(s: string, vars: Record<string, string | undefined>): string {
  return s.replace(/\\\$|\$\{([A-Za-z_]\w*)(?::([-+])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (whole, braced, op, word, bare) => {
    if (whole === '\\$') return '$';
    const name = (braced ?? bare) as string;
    const val = vars[name];
    if (op === '-') return val ? val : (word as string);
    if (op === '+') return val ? (word as string) : '';
    return val ?? '';
  });
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

export interface IgnoreRule {
  negate: boolean;
  pattern: string;
  regex: RegExp;
  /** Number of path components in the pattern (for matching a parent directory). */
  depth: number;
  hasDoubleStar: boolean;
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** Go filepath.Match-style glob with `**` (any number of directories), as moby's patternmatcher. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += '[' + cls.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[++i];
    } else {
      re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
    }
  }
  return new RegExp('^' + re + '$');
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let line of text.replace(/\r\n?/g, '\n').split('\n')) {
    line = line.trim();
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1).trim();
    }
    const pattern = cleanPath(line);
    if (pattern === '') continue;
    rules.push({
      negate,
      pattern,
      regex: globToRegExp(pattern),
      depth: pattern.split('/').length,
      hasDoubleStar: pattern.includes('**'),
    });
  }
  return rules;
}

/**
 * True when a context-relative path is excluded. Like moby's patternmatcher: the last matching rule
 * wins, and a rule also matches when it matches one of the path's parent directories.
 */
export function isIgnored(relPath: string, rules: IgnoreRule[]): boolean {
  const p = cleanPath(relPath);
  const segs = p.split('/');
  let ignored = false;
  for (const r of rules) {
    let match = r.regex.test(p);
    if (!match && segs.length > 1) {
      if (r.hasDoubleStar) {
        for (let n = 1; n < segs.length && !match; n++) match = r.regex.test(segs.slice(0, n).join('/'));
      } else if (r.depth < segs.length) {
        match = r.regex.test(segs.slice(0, r.depth).join('/'));
      }
    }
    if (match) ignored = !r.negate;
  }
  return ignored;
}
