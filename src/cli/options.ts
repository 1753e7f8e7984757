/**
 * Parsing of CLI option values shared by several commands. Each parser throws `UsageError` with a
 * message that names the flag and an example of a valid value.
 */
import { parseDuration } from '../policy/index.js';

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong flags or arguments: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export function durationMs(flag: string): (v: string) => number {
  return (v) => {
    const r = parseDuration(v);
    if (typeof r === 'string') throw new UsageError(`${flag}: ${r} (examples: 250ms, 30s, 24h)`);
    return r;
  };
}

export function port(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} "${v}" is not a port number (0-65535)`);
    return n;
  };
}

export function csv(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function bytes(flag: string): (v: string) => number {
  return (v) => {
    const m = /^(\d+)\s*(k|ki|m|mi)?b?$/i.exec(v.trim());
    if (!m) throw new UsageError(`${flag} "${v}" is not a size (examples: 4194304, 4MiB, 512KiB)`);
    const unit = (m[2] ?? '').toLowerCase();
    const n = Number(m[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
    if (n < 64 * 1024) throw new UsageError(`${flag} must be at least 64KiB`);
    return n;
  };
}
