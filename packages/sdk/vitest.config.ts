import { sharedTestOptions } from '@strictops/db/testing';
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: sharedTestOptions(['test/**/*.test.ts']) });
