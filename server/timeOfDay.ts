/** Epoch ms of the most recent local midnight in `timeZone` at `now` (DST-safe via Intl offsets). */
export function startOfDay(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0) % 24;
  const h = get('hour');
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  const s = Number(parts.find((p) => p.type === 'second')?.value ?? 0);
  return now - ((h * 60 + m) * 60 + s) * 1000 - (now % 1000);
}
