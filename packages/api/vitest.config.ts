import { sharedTestOptions } from '@strictops/db/testing';
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: sharedTestOptions(['src/**/*.test.ts']) });
