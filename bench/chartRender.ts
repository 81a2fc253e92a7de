// One report chart, drawn the way a run draws it (figures → SVG → resvg PNG), in its own process so
// the RSS it adds is not mixed with anything else. Prints one JSON line for bench/run.ts.
import { rasteriseSvg } from '../server/charts/rasterise.ts';
import { reportChartSvg } from '../server/charts/reportChart.tsx';
import { emptyFigures } from '../server/reports/builders.ts';
import { buildChartData, MAX_CHART_METRICS } from '../server/reports/chartData.ts';

// resvg's native buffers are freed when V8 collects their wrappers, so RSS after several renders in
// a row says more about the collector than about one chart: the first render is the figure.
const runs = Number(process.argv[2] ?? 3);
const figures = emptyFigures();
// A full chart: the most metrics a chart draws, over two stores, a week of alerts in every category.
figures.metrics = Array.from({ length: MAX_CHART_METRICS }, (_, i) => ({
  name: ['订单数', '销售额', '转化率', '退款数'][i % 4]!,
  store: i % 2 ? '杭州旗舰店' : '上海徐汇店',
  unit: i % 4 === 2 ? '%' : null,
  value: 1000 + i * 37,
  at: 0,
  previous: 950 + i * 41,
}));
figures.delivery = { sent: 412, digested: 37, suppressed: 12, silenced: 0, dead: 1, pending: 3 };
const days = Array.from({ length: 7 }, (_, d) => ({ date: `2026-11-${23 + d}`, byCategory: { orders: 3 + d, inventory: 10 - d, ads: 2, products: 1, store: d % 2, task: 4, other: 1 } }));
const svg = reportChartSvg(buildChartData({ type: 'daily_summary', span: 'yesterday', title: '每日汇总', lang: 'zh', metrics: [], periodLabel: '2026-11-29 (Asia/Shanghai)' }, figures, days));

// The loading's garbage collected first (bench/run.ts passes --expose-gc): on Node 22 a collection
// during the first render otherwise freed more than the chart added, and the figure came out negative.
(globalThis as { gc?: () => void }).gc?.();
const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
// CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
const cpu: number[] = [];
let bytes = 0;
let rssFirst = rssBefore;
let rssPeak = rssBefore;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  bytes = (await rasteriseSvg(svg)).length;
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  if (i === 0) rssFirst = process.memoryUsage().rss;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(
  `${JSON.stringify({ firstMs: times[0], medianMs: median(times), cpuMedianMs: median(cpu), extraRssMiB: (rssFirst - rssBefore) / 2 ** 20, peakExtraRssMiB: (rssPeak - rssBefore) / 2 ** 20, pngBytes: bytes, runs })}\n`,
);
