#!/usr/bin/env node
// Prints one plain line, `N passed, N failed, N skipped`, from every package's Vitest JSON report,
// so CI records what the run executed. Exits 1 when any test failed or no test ran at all.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['packages/db', 'packages/api', 'packages/sdk', 'apps/server'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const missing = [];

for (const dir of packages) {
  const report = join(root, dir, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    missing.push(dir);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests + (r.numFailedTestSuites ?? 0);
  totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}

if (missing.length) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || missing.length > 0 || totals.passed === 0 ? 1 : 0);
