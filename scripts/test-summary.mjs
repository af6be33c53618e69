#!/usr/bin/env node
// Prints what the test runs executed, from every package's Vitest JSON reports: a line per run
// (`postgres`, on the real PostgreSQL; `embedded`, on PGlite as a fresh clone's `npm test` does),
// then one plain line over all of them, `N passed, N failed, N skipped`, which CI reads.
//
//   node scripts/test-summary.mjs [run ...]   the runs expected (default: whichever reports exist)
//
// Exits 1 when any test failed, an expected report is missing, or no test ran at all.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['packages/db', 'packages/api', 'packages/sdk', 'apps/server'];
const expected = process.argv.slice(2);
const runs = expected.length
  ? expected
  : ['postgres', 'embedded'].filter((run) => packages.some((dir) => existsSync(report(dir, run))));
const totals = { passed: 0, failed: 0, skipped: 0 };
const missing = [];

function report(dir, run) {
  return join(root, dir, 'test-results', `vitest.${run}.json`);
}

for (const run of runs) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const dir of packages) {
    if (!existsSync(report(dir, run))) {
      missing.push(`${dir} (${run})`);
      continue;
    }
    const r = JSON.parse(readFileSync(report(dir, run), 'utf8'));
    counts.passed += r.numPassedTests;
    counts.failed += r.numFailedTests + (r.numFailedTestSuites ?? 0);
    counts.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
  console.log(`${run} run: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  for (const key of Object.keys(totals)) totals[key] += counts[key];
}

if (missing.length) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || missing.length > 0 || totals.passed === 0 ? 1 : 0);
