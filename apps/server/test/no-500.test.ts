// Guards "nothing a caller sends yields a 500": every REST route of the OpenAPI document, called
// with a signed-in admin's token and a series of malformed inputs, answers with a 4xx or a 2xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let token: string;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  t = await createTestApp();
  token = (await signUp(t.app, 'fuzz')).token;
  const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  // Signing out would end the session every later call needs; those routes have their own tests.
  routes = Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .filter(([path]) => !path.startsWith('/auth/sign-out'))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
});
afterAll(() => t.close());

const BAD_IDS = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', 'x'.repeat(300)];
const BAD_BODIES = [
  {},
  { unexpected: true },
  { id: 42, name: ['x'], email: {}, yaml: 7, scopes: 'all', role: 'root', tier: 'GOLD' },
  { name: 'x'.repeat(10_000), email: 'a@'.repeat(200), yaml: 'version: [[[' },
  // PostgreSQL cannot store U+0000: otherwise valid input carrying it must still be a 400.
  { name: 'nul\u0000inside' },
  { name: 'ok', description: { 'key\u0000': 'x' } },
  [],
  'plain text',
];

describe('no route answers a caller’s mistake with a 500', () => {
  it('holds for every route, id and body', async () => {
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let refusedAsBadInput = 0;
    for (const route of routes) {
      for (const id of BAD_IDS) {
        const url = route.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
        for (const body of route.method === 'GET' || route.method === 'DELETE' ? [undefined] : BAD_BODIES) {
          const response = await t.app.inject({
            method: route.method as 'GET',
            url: route.method === 'GET' ? `${url}?limit=abc&cursor=nope&from=yesterday` : url,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            payload: body === undefined ? undefined : JSON.stringify(body),
          });
          if (response.statusCode === 400) refusedAsBadInput++;
          if (response.statusCode >= 500)
            failures.push(
              `${route.method} ${url} ${JSON.stringify(body)} -> ${response.statusCode} ${response.body.slice(0, 200)}`,
            );
        }
        if (!route.path.includes('{')) break;
      }
    }
    expect(failures).toEqual([]);
    // The calls reached input validation (the session stayed valid throughout).
    expect(refusedAsBadInput).toBeGreaterThan(100);
    // About a thousand requests in one test: seconds alone, longer beside the rest of the suite.
  }, 120_000);
});

describe('input that cannot be stored', () => {
  it('refuses input nested deeper than any of ours as bad input, whatever the depth', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/projects',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: `{"name":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED' });
  });

  it('refuses a NUL character as bad input naming its field, where it would otherwise be stored', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/projects',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'nul\u0000inside' }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED', field: 'name' });
  });
});
