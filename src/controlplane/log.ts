/**
 * The control plane's logger: one line per event, `time level message key=value ...`, to stderr.
 *
 * Everything logged may come from a client (node ids, NACK `error_detail`, file names), so every
 * line is made safe here, once, for the message, the keys and every value:
 * - Capped: a string (or the JSON of a non-string value) keeps at most `LOG_FIELD_LIMIT` UTF-8
 *   bytes, cut on a character boundary, followed by `…(+N bytes)` saying how much was dropped. A
 *   multi-MB NACK therefore makes a line of a few KiB. (The admin API keeps the full text.)
 * - Escaped: C0 and C1 control characters (ESC, CR, LF, NEL, CSI...), DEL, line and paragraph
 *   separators, bidi controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and other invisible
 *   format characters are written as `\uXXXX`, never raw, so a value can neither drive the
 *   terminal nor forge or reorder what a reader sees.
 * - Scrubbed: PEM private key blocks become `[redacted private key]`, also one cut by the cap.
 *
 * Values without spaces, quotes, backslashes or `=` are written bare (`node=reviews-v1`); other
 * strings as JSON strings (`reason="no such cluster"`); other values as their JSON.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Most UTF-8 bytes kept of any one logged string, before escaping. */
export const LOG_FIELD_LIMIT = 1024;

/** What is never written raw (see the module comment), as the body of a character class. */
const UNSAFE_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb';
const UNSAFE = new RegExp(`[${UNSAFE_CHARS}]`, 'g');
/** A value written without quotes: no space, quote, backslash, `=` or unsafe character. */
const BARE = new RegExp(`^[^\\s"\\\\=${UNSAFE_CHARS}]+$`);

/** A complete PEM private key block, or an unterminated one running to the end of the text. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[\s\S]*$)/g;

/** Replaces PEM private key blocks. Linear time: an unterminated block ends the scan. */
export function scrubKeys(text: string): string {
  return text.replace(PRIVATE_KEY, '[redacted private key]');
}

/** Writes each unsafe character as `\uXXXX`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** UTF-8 length of one code point. */
const utf8Size = (cp: number): number => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/**
 * The longest prefix of `text` of at most `limit` UTF-8 bytes that does not split a character,
 * and how many bytes were dropped. Reads at most `limit` characters of a long text.
 */
export function capBytes(text: string, limit = LOG_FIELD_LIMIT): { readonly head: string; readonly dropped: number } {
  if (text.length * 3 <= limit) return { head: text, dropped: 0 };
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= limit) return { head: text, dropped: 0 };
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    if (bytes + utf8Size(cp) > limit) break;
    bytes += utf8Size(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return { head: text.slice(0, i), dropped: total - bytes };
}

/** Capped, then scrubbed (so a key cut by the cap is still caught), then marked. Not yet escaped. */
function bounded(text: string): string {
  const { head, dropped } = capBytes(text);
  const kept = scrubKeys(head);
  return dropped > 0 ? `${kept}…(+${dropped} bytes)` : kept;
}

/** JSON of a non-string value with its strings capped; never throws (cycles, BigInt). */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? bounded(v) : typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One `value` as written after `key=`. */
function renderValue(value: unknown): string {
  if (value instanceof Error) return renderValue(value.message);
  if (typeof value === 'bigint') return String(value);
  if (typeof value !== 'string') return escapeControls(bounded(jsonOf(value)));
  const text = bounded(value);
  return BARE.test(text) ? text : escapeControls(JSON.stringify(text));
}

/** One log line, without the trailing newline. Every part is capped, scrubbed and escaped. */
export function formatLine(time: Date, level: string, message: string, fields: Record<string, unknown> = {}): string {
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${escapeControls(bounded(k))}=${renderValue(v)}`);
  return [time.toISOString(), level.padEnd(5), escapeControls(bounded(message)), ...kv].join(' ');
}

export function consoleLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n'), quiet = false): Logger {
  const line = (level: string, m: string, f?: Record<string, unknown>): void => write(formatLine(new Date(), level, m, f));
  return {
    info: (m, f) => void (!quiet && line('info', m, f)),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/** Collects lines (tests). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(consoleLogger((l) => lines.push(l)), { lines });
}
