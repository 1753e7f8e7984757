/**
 * How text from a user's file may appear in a diagnostic or a log line: as a short excerpt with
 * control characters escaped. A message never carries more of a file than that, so a file that
 * should not have been read (a secret behind a symlink, a binary) cannot be echoed through the
 * CLI, the log or the admin API, and a value cannot forge log lines or reorder a terminal's text.
 */

/** Longest excerpt of file content in a message, in characters (before escaping). */
export const EXCERPT_CHARS = 80;

/** C0 and C1 controls, DEL, line/paragraph separators and the bidi embedding/isolate controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes control characters as `\n`, `\t` or `\uXXXX`; everything else is kept. Idempotent. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The first `max` characters of `text` (by code point), with `…` when something was cut. */
export function truncate(text: string, max = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max).join('')}…`;
}

/** A value for a message: `"…"`-quoted, truncated, control characters escaped. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return `"${escapeControl(truncate(text)).replace(/"/g, '\\"')}"`;
}
