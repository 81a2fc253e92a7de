// Which characters a TrueType/OpenType font has glyphs for, read from its cmap table. A chart label
// with a character the font lacks would be drawn as an empty box ("tofu"): the run logs which.

function tableOffset(font: Buffer, tag: string): number | undefined {
  const count = font.readUInt16BE(4);
  for (let i = 0; i < count; i++) {
    const rec = 12 + i * 16;
    if (font.toString('latin1', rec, rec + 4) === tag) return font.readUInt32BE(rec + 8);
  }
  return undefined;
}

/** Glyph id of `cp` in a format 4 subtable (BMP), 0 when unmapped. */
function format4(font: Buffer, at: number, cp: number): number {
  if (cp > 0xffff) return 0;
  const segs = font.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + segs * 2 + 2;
  const deltas = starts + segs * 2;
  const ranges = deltas + segs * 2;
  for (let i = 0; i < segs; i++) {
    if (cp > font.readUInt16BE(ends + i * 2)) continue;
    const start = font.readUInt16BE(starts + i * 2);
    if (cp < start) return 0;
    const delta = font.readInt16BE(deltas + i * 2);
    const range = font.readUInt16BE(ranges + i * 2);
    if (range === 0) return (cp + delta) & 0xffff;
    const glyph = font.readUInt16BE(ranges + i * 2 + range + (cp - start) * 2);
    return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
  }
  return 0;
}

/** Glyph id of `cp` in a format 12 subtable (all planes), 0 when unmapped. */
function format12(font: Buffer, at: number, cp: number): number {
  const groups = font.readUInt32BE(at + 12);
  for (let i = 0; i < groups; i++) {
    const g = at + 16 + i * 12;
    const start = font.readUInt32BE(g);
    if (cp >= start && cp <= font.readUInt32BE(g + 4)) return font.readUInt32BE(g + 8) + (cp - start);
  }
  return 0;
}

/** A test for "the font draws this code point", from the best Unicode cmap subtable. */
export function fontCoverage(font: Buffer): (cp: number) => boolean {
  const cmap = tableOffset(font, 'cmap');
  if (cmap === undefined) throw new Error('font has no cmap table');
  const subtables: Array<{ format: number; at: number }> = [];
  for (let i = 0; i < font.readUInt16BE(cmap + 2); i++) {
    const rec = cmap + 4 + i * 8;
    const platform = font.readUInt16BE(rec);
    const encoding = font.readUInt16BE(rec + 2);
    // Unicode platform, or Windows Unicode BMP (1) / full (10).
    if (platform !== 0 && !(platform === 3 && (encoding === 1 || encoding === 10))) continue;
    const at = cmap + font.readUInt32BE(rec + 4);
    subtables.push({ format: font.readUInt16BE(at), at });
  }
  const full = subtables.find((s) => s.format === 12);
  const bmp = subtables.find((s) => s.format === 4);
  if (full) return (cp) => format12(font, full.at, cp) !== 0;
  if (bmp) return (cp) => format4(font, bmp.at, cp) !== 0;
  throw new Error('font has no Unicode cmap subtable of format 4 or 12');
}

/** The distinct characters of `text` the font cannot draw (white space and controls need no glyph). */
export function missingCharacters(text: string, covers: (cp: number) => boolean): string[] {
  return [...new Set([...text])].filter((ch) => !/[\s\p{Cc}\p{Cf}]/u.test(ch) && !covers(ch.codePointAt(0)!));
}
