import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from './src/testing/index.ts';

export default defineConfig({ test: sharedTestOptions(['src/**/*.test.ts', 'test/**/*.test.ts']) });
