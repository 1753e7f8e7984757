/**
 * The control plane's logger: one line per event, `time level message key=value ...`, to stderr.
 * A last line of defence scrubs PEM private key blocks from anything logged.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export function scrubKeys(text: string): string {
  return text.replace(PRIVATE_KEY, '[redacted private key]');
}

function format(level: string, message: string, fields: Record<string, unknown> = {}): string {
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return scrubKeys([new Date().toISOString(), level.padEnd(5), message, ...kv].join(' '));
}

export function consoleLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n'), quiet = false): Logger {
  return {
    info: (m, f) => !quiet && write(format('info', m, f)),
    warn: (m, f) => write(format('warn', m, f)),
    error: (m, f) => write(format('error', m, f)),
  };
}

/** Collects lines (tests). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(consoleLogger((l) => lines.push(l)), { lines });
}
