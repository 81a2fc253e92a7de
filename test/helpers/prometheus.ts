/** A strict reader of Prometheus' text format 0.0.4, enough to prove /metrics is well-formed. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string;
  type: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(?:,|$)/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels in: ${line}`);
    if (m[1]! in labels) throw new Error(`duplicate label ${m[1]} in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_w, ch: string) => (ch === 'n' ? '\n' : ch));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`);
  return Number(text);
}

/** Throws on any line that is not HELP, TYPE or `name{labels} value`, or a sample without its family. */
export function parsePrometheus(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const n = line.split(' ')[2] ?? '';
      if (!NAME.test(n)) throw new Error(`bad metric name in: ${line}`);
      if (families.has(n)) throw new Error(`HELP twice for ${n}`);
      families.set(n, { name: n, help: line.slice(`# HELP ${n} `.length), type: '', samples: [] });
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , n = '', type = ''] = line.split(' ');
      const f = families.get(n);
      if (!f || f.type || f.samples.length) throw new Error(`TYPE out of place: ${line}`);
      if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`bad type: ${line}`);
      f.type = type;
      continue;
    }
    if (line.startsWith('#') || line === '') throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, name, labelText, valueText] = m;
    const f = families.get(name!);
    if (!f || !f.type) throw new Error(`sample without HELP/TYPE: ${line}`);
    if (f.type === 'counter' && !name!.endsWith('_total')) throw new Error(`counter not named _total: ${name}`);
    const labels = labelText ? parseLabels(labelText, line) : {};
    const identity = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(identity)) throw new Error(`duplicate sample: ${line}`);
    seen.add(identity);
    f.samples.push({ name: name!, labels, value: parseValue(valueText!, line) });
  }
  return families;
}

/** The value of the sample whose labels include `labels`; 0 when there is none. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(name);
  if (!f) throw new Error(`no metric ${name}`);
  const s = f.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value ?? 0;
}

/** The sum over samples whose labels include `labels`. */
export function sampleSum(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const f = families.get(name);
  if (!f) throw new Error(`no metric ${name}`);
  return f.samples.filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
