/**
 * Parsing of CLI option values shared by several commands. Each parser throws `UsageError` with a
 * message that names the flag and an example of a valid value. Options with a unit take their
 * default as the text a user would type (`24h`, `16MiB`), so `--help` shows it that way.
 */
import { Option } from 'commander';
import { parseDuration } from '../policy/index.js';
import { UsageError } from './errors.js';

/** A parser of duration text to milliseconds; `maxMs` defaults to policy's bound (30 days). */
export function durationMs(flag: string, maxMs?: number): (v: string) => number {
  return (v) => {
    const r = parseDuration(v, maxMs);
    if (typeof r === 'string') throw new UsageError(`${flag}: ${r} (examples: 250ms, 30s, 24h)`);
    return r;
  };
}

/** Name of the flag in `flags` (`--svid-ttl <duration>` → `--svid-ttl`). */
function flagName(flags: string): string {
  return flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
}

/** An option holding milliseconds, typed and shown as a duration: `durationOption('--ttl <duration>', '…', '24h')`. */
export function durationOption(flags: string, description: string, defaultText: string, maxMs?: number): Option {
  const parse = durationMs(flagName(flags), maxMs);
  return new Option(flags, description).argParser(parse).default(parse(defaultText), defaultText);
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

/** `n` bytes as a user would type it: `16MiB`, `512KiB`, else the plain number. */
export function formatBytes(n: number): string {
  if (n > 0 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}MiB`;
  if (n > 0 && n % 1024 === 0) return `${n / 1024}KiB`;
  return String(n);
}

/** An option holding a byte count, typed and shown as a size (`--max <bytes>` … `(default: 16MiB)`). */
export function bytesOption(flags: string, description: string, defaultBytes: number): Option {
  return new Option(flags, description).argParser(bytes(flagName(flags))).default(defaultBytes, formatBytes(defaultBytes));
}
