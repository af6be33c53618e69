import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@strictops/api';
import { ERROR_CODES_PAGE, renderErrorCodesPage } from '@strictops/api/docs/error-codes-page';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGURATION_VARIABLES } from '../src/config.ts';
import { createTestApp } from './test-app.ts';

// Guards the documentation against the code moving on without it: what a user can meet (an error
// code, a configuration variable, a route) must be findable in docs/.
const DOCS = fileURLToPath(new URL('../../../docs', import.meta.url));

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownUnder(join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  );
}

const everything = markdownUnder(DOCS).join('\n');
const operations = readFileSync(join(DOCS, 'operations.md'), 'utf8');
const api = markdownUnder(join(DOCS, 'api')).join('\n');
const errorCodes = readFileSync(ERROR_CODES_PAGE, 'utf8');

/** A route is documented where its path appears in backticks, alone or after its method. */
const documentedPath = (path: string, text: string) =>
  new RegExp(`\`((GET|POST|PUT|PATCH|DELETE) )?${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\`?]`).test(text);

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('the documentation', () => {
  it('documents every configuration variable in docs/operations.md', () => {
    const missing = CONFIGURATION_VARIABLES.filter((name) => !operations.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('documents every error code of the error table in docs/error-codes.md', () => {
    const missing = ERROR_CODES.filter((code) => !errorCodes.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('keeps docs/error-codes.md as its generator writes it (run `npm run docs:error-codes`)', () => {
    expect(errorCodes).toBe(renderErrorCodesPage());
  });

  it('documents every REST route in docs/api/', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.keys(document.paths);
    expect(paths.length).toBeGreaterThan(40);
    const missing = paths.filter((path) => !documentedPath(path, api));
    expect(missing).toEqual([]);
  });

  it('documents every route the server adds beside the procedures', () => {
    // Top-level lines of Fastify's route tree: `├── /readyz (GET, HEAD)`. The tRPC endpoint, the
    // REST catch-all and Swagger UI's own files are not routes of ours to document one by one.
    const routes = [...t.app.printRoutes({ commonPrefix: false }).matchAll(/^[├└]── (\/\S*) \(/gm)]
      .map((match) => match[1] as string)
      .filter((path) => path !== '/trpc/:path');
    expect(routes).toContain('/readyz');
    const missing = routes.filter((path) => !documentedPath(path, everything));
    expect(missing).toEqual([]);
  });
});
