import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_FAMILY, CHART_FONT_FILES, charactersWithoutGlyph, rasteriseSvg } from '../../server/charts/rasterise.ts';
import { reportChartSvg } from '../../server/charts/reportChart.tsx';
import { fontCoverage } from '../../server/charts/fontCoverage.ts';
import { encodePng } from '../../server/charts/pngEncode.ts';
import { emptyFigures, type ReportFigures } from '../../server/reports/builders.ts';
import { buildChartData, chartDays, MAX_CHART_METRICS, parseChartMetrics } from '../../server/reports/chartData.ts';
import { dailyPeriods, weeklyPeriods } from '../../server/time/periods.ts';
import { imageMessage } from '../../server/wecom/messages.ts';

const TZ = 'Asia/Shanghai';
const REF = Date.parse('2026-11-30T01:00:00Z');

function figures(): ReportFigures {
  const f = emptyFigures();
  f.metrics = [
    { name: '订单数', store: '杭州旗舰店', unit: null, value: 1234, at: REF - 3600_000, previous: 1100 },
    { name: '订单数', store: '上海徐汇店', unit: null, value: 860, at: REF - 3600_000, previous: null },
    { name: '转化率', store: '杭州旗舰店', unit: '%', value: 3.2, at: REF - 3600_000, previous: 3.5 },
  ];
  f.delivery = { sent: 41, digested: 12, suppressed: 3, silenced: 0, dead: 1, pending: 0 };
  return f;
}

const days = chartDays('daily_summary', dailyPeriods(REF, TZ), TZ).map((d, i) => ({ date: d.date, byCategory: { orders: i + 1, inventory: i % 3, ads: 1 } }));

function chart(lang: 'en' | 'zh', f = figures()) {
  const data = buildChartData({ type: 'daily_summary', span: 'yesterday', title: lang === 'zh' ? '每日汇总' : 'Daily summary', lang, metrics: [], periodLabel: `2026-11-29 (${TZ})` }, f, days);
  return { data, svg: reportChartSvg(data) };
}

/** The RGBA pixels of one line of text drawn with the shipped fonts. */
async function drawText(text: string, fontFiles: string[] = CHART_FONT_FILES): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="28" font-size="24">${text}</text></svg>`;
  const image = await renderAsync(svg, { font: { loadSystemFonts: false, fontFiles, defaultFontFamily: CHART_FONT_FAMILY } });
  return Buffer.from(image.pixels);
}

describe('report chart: the dashboard chart components, rasterised with the shipped CJK font', () => {
  it('draws a Chinese report to a PNG well under 200 KB whose every label character has a glyph', async () => {
    const { svg, data } = chart('zh');
    for (const label of ['杭州旗舰店', '订单数', '每日告警（按类别）', '关键指标（对比前一天）', '本期', '上期', '订单', '库存', '投递情况', '已发送']) expect(svg).toContain(label);
    expect(data.metrics.rows.map((r) => r.label)).toEqual(['订单数 · 杭州旗舰店', '订单数 · 上海徐汇店', '转化率 · 杭州旗舰店']);
    expect(charactersWithoutGlyph(svg)).toEqual([]);

    const png = await rasteriseSvg(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeLessThan(200 * 1024);
    // 640 units at 1.5×: 960 px wide, as wide as a phone screen shows sharply.
    expect(png.readUInt32BE(16)).toBe(960);
    const message = imageMessage(png);
    expect(Buffer.from(message.image.base64, 'base64').equals(png)).toBe(true);
    mkdirSync('test/artifacts', { recursive: true });
    writeFileSync('test/artifacts/report-chart-zh.png', png);
  });

  it('still draws a metric name stored with a control character before intake refused them (issue 20)', async () => {
    const { svg } = chart('en');
    const label = /<text[^>]*>([^<]+)<\/text>/.exec(svg)![1]!;
    const png = await rasteriseSvg(svg.replace(`>${label}<`, `>ctl\u0001${label}<`));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('the PNG encoder is lossless and well-formed: chunk CRCs, IHDR, and the rows inflate back to the pixels', async () => {
    const width = 3;
    const height = 2;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256);
    const png = await encodePng(rgba, width, height);
    const chunks: Array<{ type: string; data: Buffer }> = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const typeAndData = png.subarray(at + 4, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
      chunks.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4) });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([...chunks[0]!.data]).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
    const rows = inflateSync(chunks[1]!.data);
    expect(rows).toEqual(Buffer.concat([Buffer.from([0]), Buffer.from(rgba.subarray(0, 12)), Buffer.from([0]), Buffer.from(rgba.subarray(12))]));
    await expect(encodePng(rgba, 4, 2)).rejects.toThrow(RangeError);
  });

  it('a chart-sized image is deflated band by band and still inflates back to every row behind its filter byte', async () => {
    // 960 × 300: about 17 rows per 64 KB band, so many bands and a short last one.
    const width = 960;
    const height = 300;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 7 + (i >> 12)) % 251);
    const png = await encodePng(rgba, width, height);
    const idat = png.subarray(8 + 25 + 8, png.length - 12 - 4);
    const stride = width * 4;
    const expected = Buffer.alloc((stride + 1) * height);
    for (let y = 0; y < height; y++) expected.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
    expect(inflateSync(idat).equals(expected)).toBe(true);
  });

  it('a render that takes too long is refused, so the report text is not held by it', async () => {
    await expect(rasteriseSvg(chart('zh').svg, 1)).rejects.toThrow('chart rendering took over 1 ms');
  });

  it('the glyph check fails on characters the font lacks (emoji, private use, rare ideographs)', () => {
    const { svg } = chart('zh', { ...figures(), metrics: [{ name: '销量😀\uE000𠀀', store: null, unit: null, value: 1, at: REF, previous: null }] });
    expect(charactersWithoutGlyph(svg)).toEqual(['😀', '\uE000', '𠀀']);
  });

  it('the font really draws CJK: 杭州旗舰店 differs from the same count of missing-glyph boxes, and each glyph from the others', async () => {
    const shop = await drawText('杭州旗舰店');
    const boxes = await drawText('\uE000\uE000\uE000\uE000\uE000');
    expect(shop.equals(boxes)).toBe(false);
    const singles = await Promise.all([...'订单数'].map((ch) => drawText(ch)));
    expect(new Set(singles.map((p) => p.toString('base64'))).size).toBe(3);
    expect((await drawText('订')).equals(await drawText('\uE000'))).toBe(false);
  });

  it('a rarer GB2312 ideograph (亍, 齄) comes from the second file, drawn exactly as the common file would draw its neighbours', async () => {
    const [common, rare] = CHART_FONT_FILES as [string, string];
    const box = await drawText('\uE000');
    for (const ch of ['亍', '齄']) {
      expect((await drawText(ch, [common])).equals(box), `${ch} is not in the common file`).toBe(true);
      expect((await drawText(ch)).equals(box), `${ch} is drawn by the fallback`).toBe(false);
    }
    expect((await drawText('杭州 12')).equals(await drawText('杭州 12', [common]))).toBe(true);
    expect(charactersWithoutGlyph('<text>亍齄杭</text>')).toEqual([]);
    expect(rare).toMatch(/Rare/);
  });

  it('the cmap reader agrees with the font: GB2312 hanzi, Latin and full-width punctuation in, others out', () => {
    const [common, rare] = CHART_FONT_FILES.map((file) => fontCoverage(readFileSync(file))) as [(cp: number) => boolean, (cp: number) => boolean];
    for (const ch of '杭州旗舰店订单数AZaz09%：（）·…') expect(common(ch.codePointAt(0)!), ch).toBe(true);
    for (const ch of '亍齄') expect([common(ch.codePointAt(0)!), rare(ch.codePointAt(0)!)], ch).toEqual([false, true]);
    for (const ch of ['\uE000', '😀', '𠀀']) expect(common(ch.codePointAt(0)!) || rare(ch.codePointAt(0)!), ch).toBe(false);
  });

  it('English labels, every metric by default, at most a readable number, or only the ones the job names', () => {
    const many = { ...figures(), metrics: Array.from({ length: 20 }, (_, i) => ({ name: `metric ${i}`, store: null, unit: null, value: i, at: REF, previous: null })) };
    const all = buildChartData({ type: 'daily_summary', span: 'yesterday', title: 'Daily', lang: 'en', metrics: [], periodLabel: '' }, many, days);
    expect(all.metrics.rows).toHaveLength(MAX_CHART_METRICS);
    expect(all.metrics.more).toBe(`… and ${20 - MAX_CHART_METRICS} more`);
    const some = buildChartData({ type: 'daily_summary', span: 'yesterday', title: 'Daily', lang: 'en', metrics: parseChartMetrics(' metric 3 \n\nmetric 7\nmetric 3'), periodLabel: '' }, many, days);
    expect(some.metrics.rows.map((r) => r.label)).toEqual(['metric 3', 'metric 7']);
    // Run now "so far today" on a weekly job compares with yesterday, and its title says so.
    const today = buildChartData({ type: 'weekly_summary', span: 'today_so_far', title: 'Weekly', lang: 'en', metrics: [], periodLabel: '' }, many, days);
    expect(today.metrics.title).toBe('Key metrics (vs the same hours yesterday)');
    const { svg } = chart('en');
    expect(svg).toContain('Alerts per day, by category');
    expect(charactersWithoutGlyph(svg)).toEqual([]);
  });

  it('alerts per day: the 7 local days up to the period for a daily report, 14 for a weekly one; none for a snapshot', () => {
    const daily = chartDays('daily_summary', dailyPeriods(REF, TZ), TZ);
    expect(daily.map((d) => d.date)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(daily[6]!.end - daily[6]!.start).toBe(24 * 3600_000);
    expect(chartDays('weekly_summary', weeklyPeriods(REF, TZ), TZ)).toHaveLength(14);
    const snapshot = buildChartData({ type: 'metrics_snapshot', span: 'last_24h', title: 'Snapshot', lang: 'en', metrics: [], periodLabel: '' }, figures(), []);
    expect(snapshot.alerts).toBeUndefined();
    expect(snapshot.delivery).toBeUndefined();
  });
});
