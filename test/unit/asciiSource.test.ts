import { describe, expect, it } from 'vitest';
import { asciiOnly } from '../../server/asciiSource.mjs';

// The bundle's text is made ASCII after esbuild (server/bundleMain.mjs) so V8 holds it one byte a
// character; the program must mean exactly what it meant.
const run = (source: string): unknown => new Function(source)();

describe('asciiOnly', () => {
  it('leaves ASCII alone and escapes everything else', () => {
    expect(asciiOnly('const a = "ok"; // plain')).toBe('const a = "ok"; // plain');
    const out = asciiOnly('/* “引号” */ const s = "关键指标（对比前一天）";');
    expect(out).toMatch(/^[\x00-\x7f]*$/);
    expect(out).toContain('\\u5173');
  });

  it('keeps strings, templates, identifiers and regular expressions (with and without u) meaning the same', () => {
    const programs = [
      'return "关键指标（对比前一天） · 2 × 库存告急 … 😀";',
      'const n = 3; return `${n} × 门店「杭州」`;',
      'const 数量 = 7; return 数量 * 2;',
      'return "a，b；c、d e".split(/[\\s,，;；、]+/);',
      'return /^(\\d+) × (\\S+) \\((digest|quiet hours)\\)( · @)?$/.exec("12 × orders (digest) · @");',
      'return /“([^”]*)”/y.exec("“a b”");',
      'return /😀+/u.test("😀😀") && /^.$/u.test("😀") && !/^.$/.test("😀");',
      'return [/\\、/.test("、"), /\\\\、/.test("\\\\、"), "\\\\é"];',
    ];
    for (const p of programs) {
      const escaped = asciiOnly(p);
      expect(escaped, p).toMatch(/^[\x00-\x7f]*$/);
      expect(run(escaped), p).toEqual(run(p));
    }
  });
});
