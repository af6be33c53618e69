import { createSecretBox, RateLimits } from '@strictops/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createTestApp, ORIGIN, signUp } from './test-app.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe('/metrics', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN }, { rateLimits: new RateLimits({}) });
  });
  afterAll(() => t.close());

  const scrape = (token = METRICS_TOKEN) =>
    t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });

  it('is refused without the token, or with another', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await scrape('metrics-token-for-tests-0123456780')).statusCode).toBe(401);
  });

  it('is scraped in the Prometheus format: requests by procedure and status, latency, pool, refusals, outbox, process', async () => {
    const user = await signUp(t.app, 'metrics');
    const auth = { authorization: `Bearer ${user.token}` };
    expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: auth })).statusCode).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/trpc/auth.me?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`,
          headers: auth,
        })
      ).statusCode,
    ).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/trpc/no.such.procedure' })).statusCode).toBe(404);
    // An object's own property names are not procedures either: no label is made of them.
    expect((await t.app.inject({ method: 'GET', url: '/trpc/constructor' })).statusCode).toBe(404);
    // 30 sign-ins a minute per client IP: the 31st is refused.
    for (let i = 0; i < 31; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/auth/sign-in',
        payload: { email: `nobody-${i}@example.com`, password: 'wrong password' },
        remoteAddress: '192.0.2.77',
      });
    }

    const response = await scrape();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = response.body;
    expect(body).toContain('strictops_http_requests_total{procedure="auth.me",method="GET",status="200"} 2');
    expect(body).toContain('strictops_http_requests_total{procedure="auth.signUp",method="POST",status="200"} 1');
    expect(body).toContain('strictops_http_requests_total{procedure="auth.signIn",method="POST",status="429"} 1');
    expect(body).toContain('strictops_http_requests_total{procedure="unmatched",method="GET",status="404"} 2');
    expect(body).toMatch(
      /strictops_http_request_duration_seconds_bucket\{le="\+Inf",procedure="auth\.me",method="GET"\} 2/,
    );
    expect(body).not.toContain('procedure="constructor"');
    expect(body).toMatch(/strictops_db_pool_connections\{state="max"\} 10/);
    expect(body).toMatch(/strictops_db_pool_connections\{state="waiting"\} \d+/);
    expect(body).toContain('strictops_rate_limit_refusals_total{counter="auth-ip"} 1');
    expect(body).toMatch(/strictops_alert_outbox\{state="pending"\} \d+/);
    expect(body).toMatch(/strictops_alert_outbox_oldest_due_seconds \d+/);
    expect(body).toMatch(/process_resident_memory_bytes \d+/);
    expect(body).toMatch(/nodejs_heap_size_used_bytes \d+/);
  });

  it('is not served at all without METRICS_TOKEN', async () => {
    const plain = await createTestApp();
    try {
      expect((await plain.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('the request log', () => {
  it('writes one line per request, with the request id the response carries, and never the query string', async () => {
    const lines: Record<string, unknown>[] = [];
    const t = await createTestApp();
    const app = await buildApp({
      config: loadConfig({ NODE_ENV: 'test', PUBLIC_URL: ORIGIN }),
      dependencies: { orm: t.orm, mailer: t.mailer, secrets: createSecretBox(Buffer.alloc(32, 7)) },
      logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
    });
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/organizations?cursor=secret-looking',
        headers: { 'x-request-id': 'trace-42' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['x-request-id']).toBe('trace-42');
      expect(lines).toEqual([
        expect.objectContaining({
          reqId: 'trace-42',
          msg: 'request',
          method: 'GET',
          path: '/organizations',
          procedure: 'organizations.list',
          status: 401,
        }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('secret-looking');
      lines.length = 0;
      await app.inject({ method: 'GET', url: '/healthz' });
      expect(lines).toEqual([]);
    } finally {
      await app.close();
      await t.close();
    }
  });
});
