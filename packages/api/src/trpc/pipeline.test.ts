import { type Orm, openDatabase } from '@strictops/db';
import type {} from '@strictops/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppError } from '../errors.ts';
import type { RateLimits } from '../rate-limits/rate-limits.ts';
import { appRouter } from '../root.ts';
import { createTestApi, expectError, TEST_SECRETS, type TestApi } from '../testing/harness.ts';
import { createContext } from './context.ts';
import { callerFacingError } from './error-mapping.ts';
import { createCallerFactory, router } from './init.ts';
import { unstorableInput } from './input-hygiene.ts';
import { orgProcedure } from './procedures.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const noResponse = { setSessionCookie() {}, clearSessionCookie() {}, setHeader() {} };
const request = (token: string) => ({
  requestId: 'pipeline-test',
  ip: '127.0.0.1',
  userAgent: 'vitest',
  bearerToken: token,
  cookieToken: null,
  organization: null,
});

/** What a procedure sees of its transaction: whether one is open and the settings RLS reads. */
const SETTINGS = `select current_setting('app.organization_id', true) as organization,
                         current_setting('app.user_id', true) as "user"`;
type Settings = { organization: string; user: string };

describe('input hygiene', () => {
  // Guards against a 500 from PostgreSQL's jsonb (and U+FFFD silently stored in text columns).
  it('refuses lone UTF-16 surrogates with the field named, and keeps well-formed pairs', () => {
    expect(unstorableInput({ name: 'a\ud800x' })).toMatchObject({ field: 'name' });
    expect(unstorableInput({ a: { b: ['ok', '\udc00'] } })).toMatchObject({ field: 'a.b.1' });
    expect(unstorableInput({ 'k\ud800': 1 })).toMatchObject({ field: 'k\ud800' });
    expect(unstorableInput({ name: 'rocket \u{1F680} ok' })).toBeNull();
  });

  it('answers a lone surrogate in a rename as VALIDATION_FAILED on that field, changing nothing', async () => {
    const admin = await api.signUp('surrogate');
    const error = await expectError(
      api.call({ token: admin.token }).organizations.update({ name: 'Acme \ud800' }),
      'VALIDATION_FAILED',
    );
    expect((error.cause as AppError).field).toBe('name');
    expect((await api.call({ token: admin.token }).organizations.get({})).name).toBe(admin.organization.name);
  });
});

describe('error mapping', () => {
  // Guards against a database outage answering 500 INTERNAL: clients retry on 503.
  it('answers a database that cannot be reached as SERVICE_UNAVAILABLE with Retry-After', async () => {
    // Nothing listens on port 1: the driver's own refusal, as an outage produces it.
    const unreachable = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/postgres', poolSize: 1 });
    const refused = await unreachable.em
      .getConnection()
      .execute('select 1')
      .then(
        () => null,
        (error: unknown) => error,
      )
      .finally(() => unreachable.close());
    expect(refused).toBeInstanceOf(Error);
    const headers = new Map<string, string>();
    const mapped = callerFacingError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: refused }), {
      ...noResponse,
      setHeader: (name, value) => headers.set(name, value),
    });
    expect((mapped.cause as AppError).code).toBe('SERVICE_UNAVAILABLE');
    expect(mapped.code).toBe('SERVICE_UNAVAILABLE');
    expect(headers.get('Retry-After')).toBe('2');
  });

  it('leaves an unexpected error alone, to be logged and answered as a bare 500', () => {
    const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('boom') });
    expect(callerFacingError(error, noResponse)).toBe(error);
  });
});

describe('rate limit', () => {
  // Guards against a stalled rate-limit store holding a pooled connection inside an open transaction.
  it('is consulted before the request takes a database connection for its transaction', async () => {
    const admin = await api.signUp('stalled-limiter');
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    let consulted: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      consulted = resolve;
    });
    const limiter = {
      async consume() {
        consulted();
        await stalled;
        return { allowed: true, limit: 600, remaining: 599, resetSeconds: 60 };
      },
    } as unknown as RateLimits;
    // One connection: if the stalled request held it, the probe below would wait for it.
    const orm: Orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 1 });
    try {
      const caller = createCallerFactory(appRouter)(
        createContext({ orm, secrets: TEST_SECRETS, rateLimits: limiter }, request(admin.token), noResponse),
      );
      const call = caller.organizations.get({});
      await reached;
      const probe = orm.em.getConnection().execute('select 1 as one');
      const outcome = await Promise.race([
        probe.then(() => 'free'),
        new Promise((resolve) => setTimeout(() => resolve('held'), 3000)),
      ]);
      release();
      expect(outcome).toBe('free');
      expect((await call).id).toBe(admin.organization.id);
    } finally {
      release();
      await orm.close();
    }
  });
});

describe('transactions', () => {
  const probeRouter = router({
    inRequest: orgProcedure.meta({ permission: 'organization.read' }).query(async ({ ctx }) => {
      const [settings] = await ctx.em.execute<Settings[]>(SETTINGS);
      return { settings, inTransaction: ctx.em.isInTransaction() };
    }),
    manual: orgProcedure.meta({ permission: 'organization.read', transaction: 'manual' }).query(async ({ ctx }) => {
      const outside = ctx.em.isInTransaction();
      const inside = await ctx.transaction(async (em) => {
        const [settings] = await em.execute<Settings[]>(SETTINGS);
        return { settings, inTransaction: em.isInTransaction() };
      });
      return { outside, inside };
    }),
  });

  it('scopes the request-wide transaction to the caller and organization when it begins', async () => {
    const admin = await api.signUp('request-tx');
    const caller = createCallerFactory(probeRouter)(
      createContext({ orm: api.orm, secrets: TEST_SECRETS }, request(admin.token), noResponse),
    );
    const { settings, inTransaction } = await caller.inRequest();
    expect(inTransaction).toBe(true);
    expect(settings).toMatchObject({ organization: admin.organization.id, user: admin.user.id });
  });

  it('gives a manual procedure no request-wide transaction, and scoped short ones on demand', async () => {
    const admin = await api.signUp('manual-tx');
    const caller = createCallerFactory(probeRouter)(
      createContext({ orm: api.orm, secrets: TEST_SECRETS }, request(admin.token), noResponse),
    );
    const { outside, inside } = await caller.manual();
    expect(outside).toBe(false);
    expect(inside.inTransaction).toBe(true);
    expect(inside.settings).toMatchObject({ organization: admin.organization.id, user: admin.user.id });
  });

  it('still refuses a manual procedure to a caller the policy refuses, and records the attempt', async () => {
    const admin = await api.signUp('manual-denied');
    const customer = await api.memberOf(admin.organization.id, 'customer');
    const guarded = router({
      change: orgProcedure.meta({ permission: 'organization.update', transaction: 'manual' }).mutation(() => 'changed'),
    });
    const caller = createCallerFactory(guarded)(
      createContext(
        { orm: api.orm, secrets: TEST_SECRETS },
        { ...request(customer.token), organization: admin.organization.id },
        noResponse,
      ),
    );
    await expectError(caller.change(), 'PERMISSION_DENIED');
    const denied = await api.call({ token: admin.token }).auditEvents.list({ action: 'permission.denied' });
    expect(denied.items.map((e) => e.target.id)).toEqual(['change']);
  });
});
