// `npm run test:matrix [-- 12 18]`: the suites that talk to PostgreSQL
// (test/integration, test/fault) once per major (PG_VERSION=12…18, every
// supported one unless majors are named), then one table: suite × major ×
// passed/failed, with each run's time. Exits 1 when any cell failed.
// The unit and protocol suites don't depend on the server's major; `npm test`
// runs them (on the default major).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPPORTED_MAJORS, selectedMajor } from './support/postgres-versions.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITE_FOLDERS = ['test/integration', 'test/fault'];

const majors = process.argv.slice(2).map((v) => selectedMajor(v));
const runs = [];
const started = Date.now();
for (const major of majors.length > 0 ? majors : SUPPORTED_MAJORS) {
  const output = path.join(os.tmpdir(), `postgres-plugin-matrix-${process.pid}-${major}.json`);
  const runStarted = Date.now();
  console.log(`\n=== PostgreSQL ${major}: ${SUITE_FOLDERS.join(' ')}`);
  const jest = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), ...SUITE_FOLDERS, '--json', `--outputFile=${output}`], {
    cwd: ROOT,
    env: { ...process.env, PG_VERSION: String(major) },
    stdio: 'inherit',
  });
  const seconds = (Date.now() - runStarted) / 1000;
  const report = fs.existsSync(output) ? JSON.parse(fs.readFileSync(output, 'utf8')) : { testResults: [] };
  fs.rmSync(output, { force: true });
  const suites = new Map();
  for (const suite of report.testResults) {
    const failed = suite.assertionResults.filter((a) => a.status === 'failed').length;
    const passed = suite.assertionResults.filter((a) => a.status === 'passed').length;
    suites.set(path.relative(ROOT, suite.name), suite.status === 'passed' ? `passed ${passed}` : `FAILED ${failed || '!'}`);
  }
  runs.push({ major, seconds, exit: jest.status, suites, tests: `${report.numPassedTests ?? 0}/${report.numTotalTests ?? 0}` });
}

const names = [...new Set(runs.flatMap((r) => [...r.suites.keys()]))].sort();
const header = ['suite', ...runs.map((r) => `PG ${r.major}`)];
const rows = names.map((name) => [name, ...runs.map((r) => r.suites.get(name) ?? 'MISSING')]);
rows.push(['tests passed', ...runs.map((r) => r.tests)]);
rows.push(['run time', ...runs.map((r) => `${Math.round(r.seconds)} s`)]);
rows.push(['jest exit code', ...runs.map((r) => String(r.exit))]);
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join(' | ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const row of rows) console.log(line(row));
const allPassed = runs.every((r) => r.exit === 0) && rows.every((row) => !row.some((cell) => /FAILED|MISSING/.test(cell)));
console.log(`\n${allPassed ? 'every suite passed on every major' : 'FAILURES above'}; total ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(allPassed ? 0 : 1);
