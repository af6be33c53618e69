// Guards the security headers every response carries (API, errors, refusals by the guards, /docs),
// and that HSTS is sent only in production, where the server is reached over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
let production: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
  production = await createTestApp({ NODE_ENV: 'production' });
});
afterAll(async () => {
  await t.close();
  await production.close();
});

const COMMON = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

describe('security headers', () => {
  const requests = [
    { name: 'a procedure over REST', method: 'GET', url: '/auth/me' },
    { name: 'tRPC', method: 'GET', url: '/trpc/auth.me' },
    { name: 'an unknown route', method: 'GET', url: '/no/such/route' },
    { name: 'a health probe', method: 'GET', url: '/healthz' },
    { name: 'the OpenAPI document', method: 'GET', url: '/openapi.json' },
    { name: 'malformed JSON', method: 'POST', url: '/organizations', payload: '{', json: true },
    { name: 'a cross-site refusal', method: 'POST', url: '/organizations', cookie: true },
    { name: 'a credential in the URL', method: 'GET', url: '/auth/me?token=abc' },
  ] as const;

  for (const request of requests) {
    it(`are on ${request.name}, with a policy that lets the JSON run nothing`, async () => {
      const response = await t.app.inject({
        method: request.method,
        url: request.url,
        ...('payload' in request ? { payload: request.payload } : {}),
        headers: 'json' in request ? { 'content-type': 'application/json' } : {},
        ...('cookie' in request ? { cookies: { strictops_session: 'x' } } : {}),
      });
      expect(response.statusCode).toBeLessThan(500);
      expect(response.headers).toMatchObject(COMMON);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['strict-transport-security']).toBeUndefined();
    });
  }

  it('give /docs a policy for its own scripts and styles only', async () => {
    for (const url of ['/docs', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeLessThan(400);
      expect(response.headers, url).toMatchObject(COMMON);
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
  });

  it('add HSTS in production', async () => {
    for (const url of ['/auth/me', '/docs']) {
      const response = await production.app.inject({ method: 'GET', url });
      expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    }
  });
});
