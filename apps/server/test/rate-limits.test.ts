import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { RateLimits } from '@strictops/api';
import { Organization } from '@strictops/db';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, uniqueEmail } from './test-app.ts';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { rateLimits: new RateLimits({}) });
});
afterAll(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** Tests that spend a whole budget make hundreds of requests one after another: slow on a busy machine. */
const SPENDS_A_BUDGET = { timeout: 180_000 };

async function exhaust(app: FastifyInstance, request: InjectOptions, times: number) {
  let last: LightMyRequestResponse | undefined;
  for (let i = 0; i < times; i++) {
    last = await app.inject(request);
    if (last.statusCode === 429) throw new Error(`limited early, after ${i} requests`);
  }
  return last;
}

describe('per-organization limits', () => {
  it(
    'allows 600 reads a minute at FREE, then answers 429 with Retry-After, leaving other organizations alone',
    SPENDS_A_BUDGET,
    async () => {
      const user = await signUp(t.app, 'reader');
      const other = await signUp(t.app, 'bystander');
      const read = { method: 'GET' as const, url: '/organizations/current', headers: bearer(user.token) };
      const last = await exhaust(t.app, read, 600);
      expect(last?.headers['ratelimit-limit']).toBe('600');
      expect(last?.headers['ratelimit-remaining']).toBe('0');
      const limited = await t.app.inject(read);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json().data).toMatchObject({ errorCode: 'RATE_LIMITED', details: { class: 'read', limit: 600 } });
      // Writes are a separate class, and another organization has its own budget.
      const write = await t.app.inject({
        method: 'PATCH',
        url: '/organizations/current',
        headers: bearer(user.token),
        payload: { name: 'still writable' },
      });
      expect(write.statusCode).toBe(200);
      const elsewhere = await t.app.inject({
        method: 'GET',
        url: '/organizations/current',
        headers: bearer(other.token),
      });
      expect(elsewhere.statusCode).toBe(200);
      expect(elsewhere.headers['ratelimit-remaining']).toBe('599');
    },
  );

  it('multiplies the budget by the tier (STARTER writes 240 a minute)', SPENDS_A_BUDGET, async () => {
    const free = await signUp(t.app, 'free-writer');
    const write = (token: string) => ({
      method: 'PATCH' as const,
      url: '/organizations/current',
      headers: bearer(token),
      payload: { name: 'w' },
    });
    await exhaust(t.app, write(free.token), 120);
    expect((await t.app.inject(write(free.token))).statusCode).toBe(429);

    const starter = await signUp(t.app, 'starter-writer');
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(starter.token) });
    await t.orm.em.fork().nativeUpdate(Organization, { id: me.json().activeOrganization.id }, { tier: 'STARTER' });
    const last = await exhaust(t.app, write(starter.token), 240);
    expect(last?.headers['ratelimit-limit']).toBe('240');
    expect((await t.app.inject(write(starter.token))).statusCode).toBe(429);
  });

  it('counts one point per procedure in a tRPC batch', async () => {
    const user = await signUp(t.app, 'batcher');
    const single = await t.app.inject({
      method: 'GET',
      url: '/trpc/organizations.get?input={}',
      headers: bearer(user.token),
    });
    const before = Number(single.headers['ratelimit-remaining']);
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries([0, 1, 2, 3, 4].map((i) => [i, { json: {} }]))));
    const batch = await t.app.inject({
      method: 'GET',
      url: `/trpc/organizations.get,organizations.get,organizations.get,organizations.get,organizations.get?batch=1&input=${input}`,
      headers: bearer(user.token),
    });
    expect(batch.statusCode).toBe(200);
    expect(Number(batch.headers['ratelimit-remaining'])).toBe(before - 5);
  });
});

describe('account procedures', () => {
  it('take the best tier among the user’s organizations, per user', async () => {
    const user = await signUp(t.app, 'account-tiers');
    const me = () => t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(user.token) });
    expect((await me()).headers['ratelimit-limit']).toBe('600');
    const second = await t.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: bearer(user.token),
      payload: { name: 'Second' },
    });
    await t.orm.em.fork().nativeUpdate(Organization, { id: second.json().id }, { tier: 'ENTERPRISE' });
    const answer = await me();
    expect(answer.headers['ratelimit-limit']).toBe('6000');
    const list = await t.app.inject({ method: 'GET', url: '/organizations', headers: bearer(user.token) });
    // One budget per user for every account procedure: auth.me took a point of it, this the next.
    expect(list.headers['ratelimit-remaining']).toBe(String(6000 - 2));
  });

  it('spend the named organization’s budget, at its tier, and ignore one the user does not belong to', async () => {
    const user = await signUp(t.app, 'account-named');
    const stranger = await signUp(t.app, 'account-stranger');
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(user.token) });
    const organization = me.json().activeOrganization;
    await t.orm.em.fork().nativeUpdate(Organization, { id: organization.id }, { tier: 'PROFESSIONAL' });
    const current = await t.app.inject({ method: 'GET', url: '/organizations/current', headers: bearer(user.token) });
    const named = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { ...bearer(user.token), 'x-strictops-organization': organization.slug },
    });
    expect(named.headers['ratelimit-limit']).toBe('3000');
    // The organization's own read budget: its procedure took one point, this call the next.
    expect(Number(named.headers['ratelimit-remaining'])).toBe(Number(current.headers['ratelimit-remaining']) - 1);
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { ...bearer(stranger.token), 'x-strictops-organization': organization.slug },
    });
    expect(elsewhere.headers['ratelimit-limit']).toBe('600');
    expect(elsewhere.headers['ratelimit-remaining']).toBe('599');
  });
});

describe('auth endpoints', () => {
  it('limit sign-in to 10 a minute per email, before any password work', async () => {
    const email = uniqueEmail('target');
    const attempt = () =>
      t.app.inject({
        method: 'POST',
        url: '/auth/sign-in',
        payload: { email, password: 'wrong password' },
        remoteAddress: '10.0.0.1',
      });
    for (let i = 0; i < 10; i++) expect((await attempt()).statusCode).toBe(401);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().data.details.class).toBe('auth');
  });

  it('limit to 30 a minute per client IP, and a forged X-Forwarded-For does not reset the count', async () => {
    const attempt = (forwardedFor: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/sign-in',
        payload: { email: uniqueEmail('spray'), password: 'wrong password' },
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': forwardedFor },
      });
    for (let i = 0; i < 30; i++) expect((await attempt(`203.0.113.${i}`)).statusCode).toBe(401);
    expect((await attempt('198.51.100.7')).statusCode).toBe(429);
  });
});

// A Redis of the test's own, on its own port: never the machine's shared one.
async function startRedis(): Promise<{ url: string; process: ChildProcess } | undefined> {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.on('listening', () => socket.close(() => resolve(false)));
      socket.on('error', () => resolve(true));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return undefined;
}

describe('with Redis', async () => {
  const redis = await startRedis();
  afterAll(() => redis?.process.kill('SIGKILL'));

  it.skipIf(!redis)('two server processes sharing one Redis enforce one limit', SPENDS_A_BUDGET, async () => {
    const a = await createTestApp({}, { rateLimits: new RateLimits({ redisUrl: redis?.url }) });
    const b = await createTestApp({}, { rateLimits: new RateLimits({ redisUrl: redis?.url }) });
    try {
      const user = await signUp(a.app, 'shared');
      const write = {
        method: 'PATCH' as const,
        url: '/organizations/current',
        headers: bearer(user.token),
        payload: { name: 'x' },
      };
      for (let i = 0; i < 120; i++) {
        const response = await (i % 2 === 0 ? a : b).app.inject(write);
        expect(response.statusCode, `request ${i}`).toBe(200);
      }
      expect((await b.app.inject(write)).statusCode).toBe(429);
      expect((await a.app.inject(write)).statusCode).toBe(429);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it.skipIf(!redis)('keeps answering when Redis dies mid-test', async () => {
    const app = await createTestApp({}, { rateLimits: new RateLimits({ redisUrl: redis?.url }) });
    try {
      const user = await signUp(app.app, 'outage');
      const read = { method: 'GET' as const, url: '/organizations/current', headers: bearer(user.token) };
      expect((await app.app.inject(read)).statusCode).toBe(200);
      redis?.process.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 5; i++) {
        const response = await app.app.inject(read);
        expect(response.statusCode).toBe(200);
        expect(response.headers['ratelimit-limit']).toBe('600');
      }
    } finally {
      await app.close();
    }
  });
});

describe('tiers and the deploy class', () => {
  it.each([
    ['FREE', 600],
    ['STARTER', 1200],
    ['PROFESSIONAL', 3000],
    ['ENTERPRISE', 6000],
  ] as const)('%s reads at %i a minute', async (tier, limit) => {
    const user = await signUp(t.app, `tier-${tier}`);
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(user.token) });
    await t.orm.em.fork().nativeUpdate(Organization, { id: me.json().activeOrganization.id }, { tier });
    const response = await t.app.inject({ method: 'GET', url: '/organizations/current', headers: bearer(user.token) });
    expect(response.headers['ratelimit-limit']).toBe(String(limit));
  });

  it('counts deployment creation in its own class: 10 a minute at the multiplier of 1', async () => {
    const user = await signUp(t.app, 'deployer');
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(user.token) });
    // ENTERPRISE, so no deployment limit interferes, with its rate multiplier brought down to 1.
    await t.orm.em
      .fork()
      .nativeUpdate(
        Organization,
        { id: me.json().activeOrganization.id },
        { tier: 'ENTERPRISE', limitOverrides: { rateLimitMultiplier: 1 } },
      );
    const project = await t.app.inject({
      method: 'POST',
      url: '/projects',
      headers: bearer(user.token),
      payload: { name: 'rl' },
    });
    const deploy = {
      method: 'POST' as const,
      url: '/deployments',
      headers: bearer(user.token),
      payload: { projectId: project.json().id, environment: 'dev', ref: 'main' },
    };
    const last = await exhaust(t.app, deploy, 10);
    expect(last?.headers['ratelimit-limit']).toBe('10');
    const limited = await t.app.inject(deploy);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().data.details.class).toBe('deploy');
    // Other writes have their own budget.
    const write = await t.app.inject({
      method: 'PATCH',
      url: '/organizations/current',
      headers: bearer(user.token),
      payload: { name: 'w' },
    });
    expect(write.statusCode).toBe(200);
  });
});
