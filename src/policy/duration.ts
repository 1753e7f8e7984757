/** Duration text (`250ms`, `1.5s`, `2m`, `1h`, `1m30s`) to whole milliseconds. */
import { quote, truncate } from './excerpt.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/y;
/** Upper bound: 30 days; anything longer is a typo, and Envoy's Duration fields have limits. */
const MAX_MS = 30 * 24 * 3_600_000;

/** Milliseconds, or a human-readable reason the text is not a duration (or is over `maxMs`). */
export function parseDuration(text: string, maxMs = MAX_MS): number | string {
  if (/^[0-9.]+$/.test(text)) return `${quote(text)} has no unit; write e.g. "${truncate(text, 20)}s" or "${truncate(text, 20)}ms"`;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) return `${quote(text)} is not a duration (examples: 250ms, 1.5s, 2m, 1h, 1m30s)`;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  }
  if (Math.abs(total - Math.round(total)) > 1e-6) return `${quote(text)} is not a whole number of milliseconds`;
  if (total > maxMs) return `${quote(text)} is longer than ${maxMs / 86_400_000} days`;
  return Math.round(total);
}
