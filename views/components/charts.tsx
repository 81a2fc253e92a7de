/** Server-rendered SVG charts: no script, no CDN; each has a <title> and a text legend. */

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface StackedColumn {
  label: string;
  values: Record<string, number>;
}

const W = 640;
const H = 180;
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

/** Columns stacked by series; every `labelEvery`-th column is labelled on the x axis. */
export function StackedColumns({ title, columns, series, labelEvery = 1 }: { title: string; columns: StackedColumn[]; series: Series[]; labelEvery?: number }) {
  const totals = columns.map((c) => series.reduce((sum, s) => sum + (c.values[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, columns.length);
  const barW = Math.max(1, step * 0.75);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} width="100%">
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
      <figcaption>
        {title}
        <Legend series={series} />
      </figcaption>
    </figure>
  );
}

/** One horizontal bar per row, labelled with its count. */
export function HorizontalBars({ title, rows, color }: { title: string; rows: Array<{ label: string; n: number }>; color: string }) {
  const rowH = 22;
  const labelW = 110;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  const max = Math.max(1, ...rows.map((r) => r.n));
  const plotW = W - labelW - 60;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title} width="100%">
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
      <figcaption>{title}</figcaption>
    </figure>
  );
}
