/**
 * Server-rendered SVG charts: no script, no CDN; each has a <title> and a text legend. The `*Svg`
 * parts are also composed into report images (server/charts/reportChart.tsx): given `at`, a chart is
 * placed at that y in a fixed-width picture instead of scaling to the page.
 */

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface StackedColumn {
  label: string;
  values: Record<string, number>;
}

export const CHART_WIDTH = 640;
const W = CHART_WIDTH;
const H = 180;

/** Where a chart sits: scaled to the page's width, or at `at` in a composed picture. */
function placement(height: number, at?: number) {
  return at === undefined ? { width: '100%' } : { x: 0, y: at, width: W, height };
}
const PAD = { top: 10, right: 10, bottom: 24, left: 36 };

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / pow) * pow;
}

export function Legend({ series }: { series: Series[] }) {
  return (
    <ul class="legend">
      {series.map((s) => (
        <li>
          <svg width="10" height="10" aria-hidden="true">
            <rect width="10" height="10" fill={s.color} />
          </svg>{' '}
          {s.label}
        </li>
      ))}
    </ul>
  );
}

export const STACKED_COLUMNS_HEIGHT = H;

/** Columns stacked by series; every `labelEvery`-th column is labelled on the x axis. */
export function StackedColumns({ title, columns, series, labelEvery = 1 }: { title: string; columns: StackedColumn[]; series: Series[]; labelEvery?: number }) {
  return (
    <figure class="chart">
      <StackedColumnsSvg title={title} columns={columns} series={series} labelEvery={labelEvery} />
      <figcaption>
        {title}
        <Legend series={series} />
      </figcaption>
    </figure>
  );
}

export function StackedColumnsSvg({
  title,
  columns,
  series,
  labelEvery = 1,
  at,
}: {
  title: string;
  columns: StackedColumn[];
  series: Series[];
  labelEvery?: number;
  at?: number;
}) {
  const totals = columns.map((c) => series.reduce((sum, s) => sum + (c.values[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, columns.length);
  const barW = Math.max(1, step * 0.75);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} {...placement(H, at)}>
      <title>{title}</title>
      {[0, 0.5, 1].map((f) => (
        <g>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} stroke="#dfe3ea" />
          <text x={PAD.left - 4} y={y(max * f) + 4} text-anchor="end" font-size="10" fill="#5b6474">
            {Math.round(max * f)}
          </text>
        </g>
      ))}
      {columns.map((col, i) => {
        let base = 0;
        const x = PAD.left + i * step + (step - barW) / 2;
        return (
          <g>
            {series.map((s) => {
              const v = col.values[s.key] ?? 0;
              if (!v) return null;
              const top = y(base + v);
              const rect = (
                <rect x={x} y={top} width={barW} height={y(base) - top} fill={s.color}>
                  <title>{`${col.label}: ${s.label} ${v}`}</title>
                </rect>
              );
              base += v;
              return rect;
            })}
            {i % labelEvery === 0 ? (
              <text x={x + barW / 2} y={H - 8} text-anchor="middle" font-size="10" fill="#5b6474">
                {col.label}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

const ROW_H = 22;

export function horizontalBarsHeight(rows: number): number {
  return Math.max(ROW_H, rows * ROW_H) + 4;
}

/** One horizontal bar per row, labelled with its count. */
export function HorizontalBars({ title, rows, color }: { title: string; rows: Array<{ label: string; n: number }>; color: string }) {
  return (
    <figure class="chart">
      <HorizontalBarsSvg title={title} rows={rows} color={color} />
      <figcaption>{title}</figcaption>
    </figure>
  );
}

export function HorizontalBarsSvg({
  title,
  rows,
  color,
  labelWidth = 110,
  at,
}: {
  title: string;
  rows: Array<{ label: string; n: number }>;
  color: string;
  labelWidth?: number;
  at?: number;
}) {
  const rowH = ROW_H;
  const labelW = labelWidth;
  const height = horizontalBarsHeight(rows.length);
  const max = Math.max(1, ...rows.map((r) => r.n));
  const plotW = W - labelW - 60;
  return (
    <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title} {...placement(height, at)}>
      <title>{title}</title>
      {rows.map((r, i) => (
        <g>
          <text x={labelW - 6} y={i * rowH + 15} text-anchor="end" font-size="11" fill="#1d2330">
            {r.label}
          </text>
          <rect x={labelW} y={i * rowH + 4} width={Math.max(1, (r.n / max) * plotW)} height={rowH - 8} fill={color} />
          <text x={labelW + (r.n / max) * plotW + 6} y={i * rowH + 15} font-size="11" fill="#1d2330">
            {r.n}
          </text>
        </g>
      ))}
    </svg>
  );
}

export interface PairedRow {
  label: string;
  current: number;
  previous: number | null;
  /** The current value as the report writes it (unit, thousands separators). */
  text: string;
}

const PAIR_H = 30;

export function pairedBarsHeight(rows: number): number {
  return Math.max(PAIR_H, rows * PAIR_H) + 4;
}

/** Per row, this period's value (colour) above the previous period's (grey), each row on its own scale (units differ). */
export function PairedBarsSvg({ title, rows, colors, labelWidth = 200, at }: { title: string; rows: PairedRow[]; colors: { current: string; previous: string }; labelWidth?: number; at?: number }) {
  const height = pairedBarsHeight(rows.length);
  const plotW = W - labelWidth - 90;
  // Lengths by magnitude, so a negative metric (a refund total) still draws.
  const len = (r: PairedRow, v: number) => Math.max(1, (Math.abs(v) / Math.max(1e-9, Math.abs(r.current), Math.abs(r.previous ?? 0))) * plotW);
  return (
    <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title} {...placement(height, at)}>
      <title>{title}</title>
      {rows.map((r, i) => (
        <g>
          <text x={labelWidth - 6} y={i * PAIR_H + 17} text-anchor="end" font-size="11" fill="#1d2330">
            {r.label}
          </text>
          <rect x={labelWidth} y={i * PAIR_H + 4} width={len(r, r.current)} height={12} fill={colors.current} />
          {r.previous !== null ? <rect x={labelWidth} y={i * PAIR_H + 18} width={len(r, r.previous)} height={7} fill={colors.previous} /> : null}
          <text x={labelWidth + len(r, r.current) + 6} y={i * PAIR_H + 14} font-size="11" fill="#1d2330">
            {r.text}
          </text>
        </g>
      ))}
    </svg>
  );
}
