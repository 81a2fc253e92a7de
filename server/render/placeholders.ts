// The one {{placeholder}} scanner behind the report templates, metric rule titles, message
// templates and hook mappings. It only splits text: no eval, no expressions, no loops. Each caller
// decides which placeholder names it knows; an unclosed `{{` is kept as text and reported, and so
// is a `}}` that closes nothing.

export type ScannedSegment = { kind: 'text'; text: string } | { kind: 'placeholder'; raw: string; inner: string; at: number };

export type ScanResult = {
  segments: ScannedSegment[];
  /** Each `{{` that has no `}}` before the next `{{`: its first characters, and where it is. */
  unclosed: Array<{ snippet: string; at: number }>;
  /** Where a `}}` stands in the text, closing no placeholder. */
  unopened: number[];
};

export function scanPlaceholders(template: string): ScanResult {
  const segments: ScannedSegment[] = [];
  const unclosed: ScanResult['unclosed'] = [];
  const unopened: number[] = [];
  let text = '';
  const addText = (from: number, to: number) => {
    for (let at = template.indexOf('}}', from); at !== -1 && at + 2 <= to; at = template.indexOf('}}', at + 2)) unopened.push(at);
    text += template.slice(from, to);
  };
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) {
      addText(i, template.length);
      break;
    }
    addText(i, open);
    const close = template.indexOf('}}', open + 2);
    const nextOpen = template.indexOf('{{', open + 2);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      unclosed.push({ snippet: template.slice(open, Math.min(template.length, open + 24)).split('\n')[0]!, at: open });
      text += '{{';
      i = open + 2;
      continue;
    }
    if (text) segments.push({ kind: 'text', text });
    text = '';
    segments.push({ kind: 'placeholder', raw: template.slice(open, close + 2), inner: template.slice(open + 2, close).trim(), at: open });
    i = close + 2;
  }
  if (text) segments.push({ kind: 'text', text });
  return { segments, unclosed, unopened };
}

/** A dotted name: `title`, `fields.sku`, `alerts.inventory.critical`. */
export const DOTTED_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
