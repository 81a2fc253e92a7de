// A report's chart image as one SVG document, composed from the dashboard's own chart components
// (svgCharts.tsx), so the group sees the same drawing the console shows. Pure.
import {
  CHART_WIDTH,
  HorizontalBarsSvg,
  horizontalBarsHeight,
  PairedBarsSvg,
  pairedBarsHeight,
  STACKED_COLUMNS_HEIGHT,
  StackedColumnsSvg,
} from './svgCharts.tsx';
import type { ChartSeries, ReportChartData } from '../reports/chartData.ts';

const MUTED = '#5b6474';
const INK = '#1d2330';
const PREVIOUS = '#c3cad6';
const CURRENT = '#0b6bcb';
const DELIVERY = '#137333';

/** Rough advance width: CJK and emoji are square, Latin about 0.6 em. Only spaces the legend. */
function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += ch.codePointAt(0)! >= 0x2e80 ? size : size * 0.6;
  return w;
}

function LegendRow({ series, y }: { series: ChartSeries[]; y: number }) {
  let x = 16;
  return (
    <g>
      {series.map((s) => {
        const at = x;
        x += 12 + 4 + textWidth(s.label, 11) + 14;
        return (
          <g>
            <rect x={at} y={y - 9} width={10} height={10} fill={s.color} />
            <text x={at + 14} y={y} font-size="11" fill={MUTED}>
              {s.label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

function Heading({ text, y }: { text: string; y: number }) {
  return (
    <text x={16} y={y} font-size="14" fill={INK}>
      {text}
    </text>
  );
}

function Note({ text, y }: { text: string; y: number }) {
  return (
    <text x={16} y={y} font-size="11" fill={MUTED}>
      {text}
    </text>
  );
}

/** The SVG text, with the height the panels need. */
export function reportChartSvg(data: ReportChartData): string {
  const parts: unknown[] = [];
  let y = 30;
  parts.push(
    <text x={16} y={y} font-size="18" fill={INK}>
      {data.title}
    </text>,
  );
  y += 20;
  parts.push(<Note text={data.periodLabel} y={y} />);
  y += 20;

  if (data.alerts) {
    y += 16;
    parts.push(<Heading text={data.alerts.title} y={y} />);
    y += 20;
    parts.push(<LegendRow series={data.alerts.series} y={y} />);
    y += 8;
    parts.push(<StackedColumnsSvg title={data.alerts.title} columns={data.alerts.columns} series={data.alerts.series} at={y} />);
    y += STACKED_COLUMNS_HEIGHT;
  }

  y += 16;
  parts.push(<Heading text={data.metrics.title} y={y} />);
  y += 20;
  if (data.metrics.empty) {
    parts.push(<Note text={data.metrics.empty} y={y} />);
    y += 8;
  } else {
    parts.push(
      <LegendRow
        series={[
          { key: 'current', label: data.metrics.legend.current, color: CURRENT },
          { key: 'previous', label: data.metrics.legend.previous, color: PREVIOUS },
        ]}
        y={y}
      />,
    );
    y += 8;
    parts.push(<PairedBarsSvg title={data.metrics.title} rows={data.metrics.rows} colors={{ current: CURRENT, previous: PREVIOUS }} at={y} />);
    y += pairedBarsHeight(data.metrics.rows.length);
    if (data.metrics.more) {
      y += 14;
      parts.push(<Note text={data.metrics.more} y={y} />);
    }
  }

  if (data.delivery) {
    y += 24;
    parts.push(<Heading text={data.delivery.title} y={y} />);
    y += 8;
    parts.push(<HorizontalBarsSvg title={data.delivery.title} rows={data.delivery.rows} color={DELIVERY} labelWidth={200} at={y} />);
    y += horizontalBarsHeight(data.delivery.rows.length);
  }
  const height = Math.ceil(y + 12);
  return String(
    <svg xmlns="http://www.w3.org/2000/svg" width={CHART_WIDTH} height={height} viewBox={`0 0 ${CHART_WIDTH} ${height}`}>
      <rect width={CHART_WIDTH} height={height} fill="#ffffff" />
      {parts}
    </svg>,
  );
}
