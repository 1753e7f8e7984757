#!/usr/bin/env node
// Reads one or more of vitest's JSON reports and prints the closing "N passed, N failed, N skipped"
// line over all of them (always the last line). With `--require-run DIR` (repeatable), every test
// in a file under DIR (or in the file DIR names, when it ends in .ts) must have run: a skipped or
// todo test there, or no test there at all, is listed and the exit status is 1.
//
//   node scripts/ci-summary.mjs .vitest-report.json .vitest-report-e2e.json --require-run e2e/envoy
//
// Exit status: 0 when nothing required was skipped, 1 otherwise (or when a report is missing).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const reportFiles = [];
const required = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--require-run' && args[i + 1]) {
    const target = path.resolve(args[++i]);
    required.push(target.endsWith('.ts') ? target : target + path.sep);
  }
  else if (!args[i].startsWith('--')) reportFiles.push(args[i]);
  else {
    console.error(`ci-summary: unknown argument ${args[i]}`);
    process.exit(2);
  }
}

const report = { testResults: [], numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
for (const file of reportFiles) {
  let one;
  try {
    one = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`vitest wrote no readable JSON report at ${file} (${err.message})`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  }
  report.testResults.push(...one.testResults);
  for (const k of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests']) report[k] += one[k] || 0;
}
if (reportFiles.length === 0) {
  console.error('ci-summary: name at least one report');
  process.exit(2);
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
