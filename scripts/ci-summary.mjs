#!/usr/bin/env node
// Reads vitest's JSON report and prints the closing "N passed, N failed, N skipped" line (always
// the last line). With `--require-run DIR` (repeatable), every test in a file under DIR (or in the
// file DIR names, when it ends in .ts) must have run: a skipped or todo test there, or no test there at all, is listed and the exit status is 1.
//
//   node scripts/ci-summary.mjs .vitest-report.json --require-run e2e/envoy
//
// Exit status: 0 when nothing required was skipped, 1 otherwise (or when the report is missing).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [reportFile, ...rest] = process.argv.slice(2);
const required = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--require-run' && rest[i + 1]) {
    const target = path.resolve(rest[++i]);
    required.push(target.endsWith('.ts') ? target : target + path.sep);
  }
  else {
    console.error(`ci-summary: unknown argument ${rest[i]}`);
    process.exit(2);
  }
}

let report;
try {
  report = JSON.parse(readFileSync(reportFile, 'utf8'));
} catch (err) {
  console.log(`vitest wrote no readable JSON report (${err.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let ok = true;
for (const dir of required) {
  const files = report.testResults.filter((f) => f.name.startsWith(dir));
  const tests = files.flatMap((f) => f.assertionResults.map((t) => ({ file: path.relative(process.cwd(), f.name), ...t })));
  const notRun = tests.filter((t) => t.status !== 'passed' && t.status !== 'failed');
  if (tests.length === 0) {
    console.log(`required suite ${path.relative(process.cwd(), dir)} ran no test`);
    ok = false;
  }
  for (const t of notRun) {
    console.log(`required scenario not run (${t.status}): ${t.file} > ${t.fullName}`);
    ok = false;
  }
}

const skipped = (report.numPendingTests || 0) + (report.numTodoTests || 0);
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exit(ok ? 0 : 1);
