/** Display formats: counts with separators, rates, durations in words, times in the viewer's zone. */

const counts = new Intl.NumberFormat('en-US');

export function formatCount(n) {
  return typeof n === 'number' ? counts.format(n) : '—';
}

/** Messages per second: one decimal below 10, whole numbers above; a dash before the second sample. */
export function formatRate(perSecond) {
  if (perSecond === null || perSecond === undefined) return '—';
  if (perSecond === 0) return '0';
  return perSecond < 10 ? perSecond.toFixed(1) : counts.format(Math.round(perSecond));
}

const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['min', 60],
];

/** 604800 → "7 days", 90 → "1 min 30 s". */
export function formatDuration(seconds) {
  if (typeof seconds !== 'number') return '—';
  const parts = [];
  let rest = seconds;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n} ${unit}${n > 1 && unit !== 'min' ? 's' : ''}`);
      rest -= n * size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} s`);
  return parts.slice(0, 2).join(' ');
}

const pad = (n) => String(n).padStart(2, '0');

/** "2026-01-01 09:30:05", local time: the ISO value is in the element's title. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
