/**
 * Writes a benchmark's results to bench/results/<name>.json with what the figures depend on:
 * the machine (cores, memory, Node), how busy it was (`uptime` before and after, the 1-minute
 * load average), the date and the commit measured.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export interface MachineInfo {
  cores: number;
  memory_gb: number;
  node: string;
  platform: string;
  uptime_before: string | null;
  loadavg_1m_before: number;
  uptime_after?: string | null;
  loadavg_1m_after?: number;
  commit: string | null;
  /** Uncommitted changes in the work tree when measured (other sessions edit the same tree). */
  dirty: boolean;
}

/** Call before the run: records the machine and its load. */
export function machineBefore(): MachineInfo {
  const status = run('git', ['status', '--porcelain', '--untracked-files=no']);
  return {
    cores: os.cpus().length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    uptime_before: run('uptime', []),
    loadavg_1m_before: Number(os.loadavg()[0]!.toFixed(2)),
    commit: run('git', ['rev-parse', '--short=12', 'HEAD']),
    dirty: status !== null && status !== '',
  };
}

/** Writes bench/results/<file>.json; returns its path. */
export function writeResult(file: string, benchmark: string, machine: MachineInfo, body: object): string {
  const out = fileURLToPath(new URL(`./results/${file}.json`, import.meta.url));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const m = { ...machine, uptime_after: run('uptime', []), loadavg_1m_after: Number(os.loadavg()[0]!.toFixed(2)) };
  writeFileSync(out, JSON.stringify({ benchmark, date: new Date().toISOString(), machine: m, ...body }, null, 2) + '\n');
  return out;
}
