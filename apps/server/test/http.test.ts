import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../src/app.ts';
import { createTestApp, ORIGIN, signUp, uniqueEmail } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('REST', () => {
  it('signs up, then shows the new organization on GET /auth/me with the returned token', async () => {
    const user = await signUp(t.app, 'rest');
    const me = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(me.statusCode).toBe(200);
    const body = me.json();
    expect(body.user.email).toBe(user.email);
    expect(body.activeOrganization).toMatchObject({ role: 'strictops_admin', tier: 'FREE' });
    // REST carries dates as ISO strings.
    expect(body.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('sets an HttpOnly, SameSite=Lax session cookie that authenticates reads', async () => {
    const user = await signUp(t.app, 'cookie');
    expect(user.cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(user.cookie?.secure).toBeFalsy();
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', cookies: { strictops_session: user.token } });
    expect(me.statusCode).toBe(200);
  });

  it('marks the cookie Secure outside plain-http local development', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://api.example.com' });
    try {
      const user = await signUp(secure.app, 'secure');
      expect(user.cookie?.secure).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('serves organizations over REST with the organization header', async () => {
    const user = await signUp(t.app, 'orgs');
    const auth = { authorization: `Bearer ${user.token}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: auth,
      payload: { name: 'REST Org' },
    });
    expect(created.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/organizations', headers: auth });
    expect(list.json().items).toHaveLength(2);
    const current = await t.app.inject({
      method: 'GET',
      url: '/organizations/current',
      headers: { ...auth, 'x-strictops-organization': created.json().slug },
    });
    expect(current.json().id).toBe(created.json().id);
    const stranger = await signUp(t.app, 'stranger');
    const foreign = await t.app.inject({
      method: 'GET',
      url: '/organizations/current',
      headers: { authorization: `Bearer ${stranger.token}`, 'x-strictops-organization': created.json().id },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().data.errorCode).toBe('ORGANIZATION_NOT_FOUND');
  });

  it('answers anonymous calls with 401', async () => {
    const me = await t.app.inject({ method: 'GET', url: '/auth/me' });
    expect(me.statusCode).toBe(401);
    expect(me.json().data.errorCode).toBe('UNAUTHENTICATED');
  });

  it('revokes a session over REST; it fails on the very next request', async () => {
    const user = await signUp(t.app, 'revoke');
    const auth = { authorization: `Bearer ${user.token}` };
    const out = await t.app.inject({ method: 'POST', url: '/auth/sign-out', headers: auth, payload: {} });
    expect(out.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: auth })).statusCode).toBe(401);
  });
});

describe('bad input: a clear 4xx, never a 500', () => {
  const signUpWith = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/auth/sign-up', headers: { 'content-type': contentType }, payload });

  it.each([
    ['a malformed email', { email: 'nope', password: 'correct horse', name: 'x' }, 400, 'VALIDATION_FAILED', 'email'],
    [
      'a short password',
      { email: 'a@example.com', password: 'short', name: 'x' },
      400,
      'VALIDATION_FAILED',
      'password',
    ],
    [
      'an over-long password',
      { email: 'a@example.com', password: 'p'.repeat(257), name: 'x' },
      400,
      'VALIDATION_FAILED',
      'password',
    ],
    [
      'an unknown field',
      { email: 'a@example.com', password: 'correct horse', name: 'x', role: 'admin' },
      400,
      'VALIDATION_FAILED',
      'role',
    ],
    [
      'a wrong type',
      { email: ['a@example.com'], password: 'correct horse', name: 'x' },
      400,
      'VALIDATION_FAILED',
      'email',
    ],
    ['a missing field', { email: 'a@example.com', password: 'correct horse' }, 400, 'VALIDATION_FAILED', 'name'],
  ])('%s', async (_case, body, status, errorCode, field) => {
    const response = await signUpWith(JSON.stringify(body));
    expect(response.statusCode).toBe(status);
    expect(response.json().data).toMatchObject({ errorCode, field });
    expect(response.json().data.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('a duplicate email', async () => {
    const user = await signUp(t.app, 'dup');
    const response = await signUpWith(JSON.stringify({ email: user.email, password: 'correct horse', name: 'x' }));
    expect(response.statusCode).toBe(409);
    expect(response.json().data).toMatchObject({ errorCode: 'EMAIL_TAKEN', field: 'email' });
  });

  it('a malformed JSON body', async () => {
    const response = await signUpWith('{"email": "a@example.com", ');
    expect(response.statusCode).toBe(400);
    expect(response.json().data.errorCode).toBe('VALIDATION_FAILED');
  });

  it('an oversize body, over REST and over tRPC', async () => {
    const huge = JSON.stringify({ email: uniqueEmail('big'), password: 'x'.repeat(BODY_LIMIT), name: 'x' });
    const rest = await signUpWith(huge);
    expect(rest.statusCode).toBe(413);
    expect(rest.json().data.errorCode).toBe('PAYLOAD_TOO_LARGE');
    const trpc = await t.app.inject({
      method: 'POST',
      url: '/trpc/auth.signUp',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ json: JSON.parse(huge) }),
    });
    expect(trpc.statusCode).toBe(413);
  });

  it('a wrong content type', async () => {
    const response = await signUpWith('email=a@example.com', 'text/plain');
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
  });

  it('a tRPC batch larger than allowed', async () => {
    const paths = Array.from({ length: 21 }, () => 'auth.me').join(',');
    const response = await t.app.inject({ method: 'GET', url: `/trpc/${paths}?batch=1&input={}` });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
  });

  it('an unknown route', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(response.statusCode).toBe(404);
  });
});

describe('cross-site protection for cookie-authenticated changes', () => {
  it('refuses a cookie-authenticated mutation with a foreign or missing Origin', async () => {
    const user = await signUp(t.app, 'csrf');
    const attempt = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/organizations',
        cookies: { strictops_session: user.token },
        headers: { 'content-type': 'application/json', ...headers },
        payload: { name: 'Forged' },
      });
    expect((await attempt({ origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await attempt({})).statusCode).toBe(403);
    expect((await attempt({ origin: ORIGIN })).statusCode).toBe(200);
  });

  it('refuses a cookie-authenticated mutation that is not JSON', async () => {
    const user = await signUp(t.app, 'csrf-form');
    const response = await t.app.inject({
      method: 'POST',
      url: '/auth/sign-out',
      cookies: { strictops_session: user.token },
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect(response.statusCode).toBe(415);
    const me = await t.app.inject({ method: 'GET', url: '/auth/me', cookies: { strictops_session: user.token } });
    expect(me.statusCode).toBe(200);
  });

  it('lets bearer-token mutations through without an Origin', async () => {
    const user = await signUp(t.app, 'bearer');
    const response = await t.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { authorization: `Bearer ${user.token}` },
      payload: { name: 'Scripted' },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('documentation and probes', () => {
  it('serves the OpenAPI document with the REST routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/auth/sign-up', '/auth/sign-in', '/auth/sign-out', '/auth/me', '/organizations']),
    );
    expect(document.paths['/auth/sign-up'].post.security).toBeUndefined();
  });

  it('renders Swagger UI at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger-ui');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', database: true });
  });

  it('echoes a sane request id and makes one up otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\n' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('credentials in URLs', () => {
  it.each(['/auth/me?access_token=abc', '/organizations/current?x=sops_0123456789', '/trpc/auth.me?token=abc'])(
    'refuses %s with 400',
    async (url) => {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json().data.errorCode).toBe('CREDENTIALS_IN_URL');
    },
  );
});

describe('API tokens over REST', () => {
  it('creates a token, uses it with no organization header, revokes it, and it fails at once', async () => {
    const user = await signUp(t.app, 'rest-token');
    const auth = { authorization: `Bearer ${user.token}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api-tokens',
      headers: auth,
      payload: { name: 'ci', scopes: ['read'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(created.statusCode).toBe(200);
    const { token, apiToken } = created.json();
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: '/organizations/current', headers: bearer })).statusCode).toBe(
      200,
    );
    expect((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer })).statusCode).toBe(403);
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api-tokens/${apiToken.id}`, headers: auth });
    expect(revoked.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/organizations/current', headers: bearer })).statusCode).toBe(
      401,
    );
  });
});
