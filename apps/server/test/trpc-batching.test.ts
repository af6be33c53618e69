// tRPC batches as the SDK sends them: the longest batch the cap allows reaches the router, a larger
// one is refused with a stable code, and a query whose input is too long for a URL may come by POST.
import { appRouter } from '@strictops/api';
import type { AnyProcedure } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE } from '../src/plugins/trpc.ts';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>);
/** The query procedures with the longest names: the longest path a batch of queries can make. */
const longestQueries = procedures
  .filter(([, procedure]) => procedure._def.type === 'query')
  .map(([path]) => path)
  .sort((a, b) => b.length - a.length);

const batchUrl = (paths: string[]) =>
  `/trpc/${paths.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(paths.map((_, i) => [i, { json: {} }]))))}`;

describe('tRPC batches', () => {
  it('answers every call of a full batch of the longest procedure names (Fastify would 404 the path otherwise)', async () => {
    const paths = Array.from({ length: MAX_BATCH_SIZE }, (_, i) => longestQueries[i % longestQueries.length] as string);
    expect(paths.join(',').length).toBeGreaterThan(100);
    const { token } = await signUp(t.app, 'batch');
    const response = await t.app.inject({
      method: 'GET',
      url: batchUrl(paths),
      headers: { authorization: `Bearer ${token}` },
    });
    const results = response.json() as { result?: unknown; error?: { json: { data: { errorCode: string } } } }[];
    expect(results).toHaveLength(MAX_BATCH_SIZE);
    // Each call reached its procedure: an answer, or that procedure's own refusal of the empty input.
    for (const result of results) {
      if (result.error) expect(result.error.json.data.errorCode).not.toBe('NOT_FOUND');
    }
  });

  it('refuses a batch over the cap as bad input, not as a missing route', async () => {
    const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'auth.me');
    const response = await t.app.inject({ method: 'GET', url: batchUrl(paths) });
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toContain('VALIDATION_FAILED');
  });

  it('takes a query by POST, for inputs too long for a URL', async () => {
    const { token } = await signUp(t.app, 'post-query');
    const response = await t.app.inject({
      method: 'POST',
      url: '/trpc/auth.me',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ json: {} }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.data.json.user.name).toBe('post-query');
  });
});
