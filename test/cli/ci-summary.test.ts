import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = path.resolve('scripts/ci-summary.mjs');

type Status = 'passed' | 'failed' | 'pending';
/** A vitest JSON report with one file holding tests of the given statuses. */
function report(file: string, statuses: Status[]) {
  const count = (s: Status) => statuses.filter((x) => x === s).length;
  return {
    numPassedTests: count('passed'), numFailedTests: count('failed'), numPendingTests: count('pending'), numTodoTests: 0,
    testResults: [{ name: path.resolve(file), assertionResults: statuses.map((status, i) => ({ status, fullName: `case ${i}` })) }],
  };
}

async function summary(reports: object[], ...flags: string[]): Promise<{ code: number; lines: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-ci-summary-'));
  const files = await Promise.all(reports.map(async (r, i) => {
    const f = path.join(dir, `r${i}.json`);
    await writeFile(f, JSON.stringify(r));
    return f;
  }));
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, ...files, ...flags]);
    return { code: 0, lines: stdout.trim().split('\n') };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, lines: e.stdout.trim().split('\n') };
  }
}

describe('scripts/ci-summary.mjs', () => {
  it('sums the reports of both projects into the closing line', async () => {
    const r = await summary([report('test/a.test.ts', ['passed', 'passed', 'pending']), report('e2e/envoy/b.test.ts', ['passed', 'failed'])]);
    expect(r).toEqual({ code: 0, lines: ['3 passed, 1 failed, 1 skipped'] });
  });

  it('fails when a required suite skipped a test, in whichever report it is', async () => {
    const r = await summary([report('test/a.test.ts', ['passed']), report('e2e/envoy/b.test.ts', ['passed', 'pending'])], '--require-run', 'e2e/envoy');
    expect(r.code).toBe(1);
    expect(r.lines).toEqual(['required scenario not run (pending): e2e/envoy/b.test.ts > case 1', '2 passed, 0 failed, 1 skipped']);
  });

  it('fails when a required suite ran no test at all', async () => {
    const r = await summary([report('test/a.test.ts', ['passed'])], '--require-run', 'e2e/kube');
    expect(r.code).toBe(1);
    expect(r.lines[0]).toBe('required suite e2e/kube ran no test');
  });

  it('fails on a missing report and still ends with a summary line', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT, '/nonexistent/report.json']).catch((e: { stdout: string }) => e);
    expect(stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  });
});
