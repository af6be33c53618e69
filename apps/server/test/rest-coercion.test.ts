// Guards against the REST adapter changing validation at run time: it used to mark the procedures'
// own schemas as coercing on the first REST request, after which REST and tRPC alike read "false"
// as true. Coercion belongs to query strings only, done on copies.

import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let auth: { authorization: string };
let channelId: string;
let productionId: string;

beforeAll(async () => {
  t = await createTestApp();
  const user = await signUp(t.app, 'coercion');
  auth = { authorization: `Bearer ${user.token}` };
  const channel = await t.app.inject({
    method: 'POST',
    url: '/alert-channels',
    headers: auth,
    payload: { name: 'Ops', type: 'email', target: 'ops@example.com' },
  });
  channelId = channel.json().channel.id;
  const project = await t.app.inject({ method: 'POST', url: '/projects', headers: auth, payload: { name: 'Web' } });
  productionId = project.json().environments.find((e: { name: string }) => e.name === 'production').id;
});
afterAll(() => t.close());

const trpcMutation = (path: string, input: unknown) =>
  t.app.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { ...auth, 'content-type': 'application/json' },
    payload: JSON.stringify(superjson.serialize(input)),
  });

describe('REST never changes how a procedure validates', () => {
  const wrongBooleans = ['false', 'true', 0, 1, {}, null];

  it('refuses a non-boolean for a boolean field over tRPC before, during and after REST calls', async () => {
    const tRPCStatuses = async () =>
      Promise.all(
        wrongBooleans.map(
          async (enabled) => (await trpcMutation('alertChannels.update', { id: channelId, enabled })).statusCode,
        ),
      );
    expect(await tRPCStatuses()).toEqual(wrongBooleans.map(() => 400));
    // An anonymous REST call is enough to make the adapter coerce a route's schema.
    expect((await t.app.inject({ method: 'PATCH', url: `/alert-channels/${channelId}`, payload: {} })).statusCode).toBe(
      401,
    );
    for (const enabled of wrongBooleans) {
      const rest = await t.app.inject({
        method: 'PATCH',
        url: `/alert-channels/${channelId}`,
        headers: auth,
        payload: { enabled },
      });
      expect(rest.statusCode, JSON.stringify(enabled)).toBe(400);
      expect(rest.json().data.field).toBe('enabled');
    }
    expect(await tRPCStatuses()).toEqual(wrongBooleans.map(() => 400));
    const channel = await t.app.inject({ method: 'GET', url: '/alert-channels', headers: auth });
    expect(channel.json().items[0].enabled).toBe(true);
  });

  it('refuses "false" for an environment’s protection over REST and tRPC alike', async () => {
    const rest = await t.app.inject({
      method: 'PATCH',
      url: `/environments/${productionId}`,
      headers: auth,
      payload: { protected: 'false' },
    });
    expect(rest.statusCode).toBe(400);
    expect((await trpcMutation('environments.update', { id: productionId, protected: 'false' })).statusCode).toBe(400);
  });
});

describe('query strings are read by their fields’ types', () => {
  it('reads numbers and dates from a query string', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/audit-events?limit=2&from=2020-01-01T00:00:00.000Z',
      headers: auth,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toHaveLength(2);
  });

  it('refuses text that is not of the field’s type, naming the field', async () => {
    for (const query of ['limit=abc', 'limit=1e400', 'limit=2.5', 'from=yesterday']) {
      const response = await t.app.inject({ method: 'GET', url: `/audit-events?${query}`, headers: auth });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().data.field, query).toBe(query.split('=')[0]);
    }
  });
});
