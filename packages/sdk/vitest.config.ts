import { readFileSync } from 'node:fs';
import { sharedTestOptions } from '@strictops/db/testing';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // The tests import src/ directly; the build defines the same constant.
  define: { __SDK_VERSION__: JSON.stringify(version) },
  test: sharedTestOptions(['test/**/*.test.ts']),
});
