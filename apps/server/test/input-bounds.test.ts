// Guards "input that passed validation never reaches a 500": every value is bounded to what
// PostgreSQL and the code can hold (sequence cursors, dates from year 1 to 9999), over REST and
// tRPC, and the export refuses before it starts rather than cutting a 200 short.
import { Organization } from '@strictops/db';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let auth: { authorization: string };

beforeAll(async () => {
  t = await createTestApp();
  const user = await signUp(t.app, 'bounds');
  auth = { authorization: `Bearer ${user.token}` };
  const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: auth });
  // The export is a PROFESSIONAL feature.
  await t.orm.em.fork().nativeUpdate(Organization, { id: me.json().activeOrganization.id }, { tier: 'PROFESSIONAL' });
});
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth });
const trpcQuery = (path: string, input: unknown) =>
  t.app.inject({
    method: 'GET',
    url: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`,
    headers: auth,
  });

describe('sequence cursors', () => {
  it.each(['9999999999999999999', '9223372036854775808', '9007199254740992', '99999999999999999'])(
    'refuses the audit cursor %s as bad input, over REST and tRPC',
    async (cursor) => {
      const rest = await get(`/audit-events?cursor=${cursor}`);
      expect(rest.statusCode).toBe(400);
      expect(rest.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED', field: 'cursor' });
      expect((await trpcQuery('auditEvents.list', { cursor })).statusCode).toBe(400);
    },
  );

  it('takes the largest cursor the log can reach', async () => {
    expect((await get(`/audit-events?cursor=${Number.MAX_SAFE_INTEGER}`)).statusCode).toBe(200);
  });
});

describe('dates between years 1 and 9999', () => {
  const routes = [
    '/audit-events',
    '/deployments',
    '/audit-events/export?format=csv',
    '/audit-events/export?format=ndjson',
  ];
  const outside = [
    '0000-01-01',
    '0000-12-31T23:59:59.999Z',
    '+275760-09-13T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
    '-000001-01-01',
  ];

  for (const route of routes) {
    for (const field of ['from', 'to']) {
      it.each(outside)(`refuses ${field}=%s on ${route} as bad input naming ${field}`, async (date) => {
        const response = await get(`${route}${route.includes('?') ? '&' : '?'}${field}=${encodeURIComponent(date)}`);
        expect(response.statusCode).toBe(400);
        expect(response.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED', field });
      });
    }

    it(`takes the first and last instants of the range on ${route}, to the end of the body`, async () => {
      const response = await get(
        `${route}${route.includes('?') ? '&' : '?'}from=0001-01-01T00:00:00.000Z&to=9999-12-31T23:59:59.999Z`,
      );
      expect(response.statusCode).toBe(200);
      if (route.includes('csv')) expect(response.body.split('\n').length).toBeGreaterThan(2);
    });
  }

  it.each([
    ['auditEvents.list', new Date(-62198755200000)], // year 0
    ['auditEvents.list', new Date(8.64e15)], // the last JavaScript date, year 275760
    ['deployments.list', new Date(-62198755200000)],
    ['deployments.list', new Date(8.64e15)],
  ])('refuses %s with a Date outside the range over tRPC', async (path, date) => {
    const response = await trpcQuery(path, { from: date });
    expect(response.statusCode).toBe(400);
  });
});
