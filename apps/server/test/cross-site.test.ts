// Guards the cross-site check against headers that authenticate nothing: it must decide by what
// actually authenticated the request, so a cookie-authenticated change always needs our Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ORIGIN, signUp } from './test-app.ts';

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const forged = (cookie: string, headers: Record<string, string>) =>
  t.app.inject({
    method: 'POST',
    url: '/organizations',
    cookies: { strictops_session: cookie },
    headers: { origin: 'https://evil.example', 'content-type': 'text/plain', ...headers },
    payload: JSON.stringify({ name: 'Forged' }),
  });

describe('the cross-site guard decides by what authenticated the request', () => {
  for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', 'bearer\t']) {
    it(`refuses a cookie-authenticated change from another site with "Authorization: ${authorization}"`, async () => {
      const user = await signUp(t.app, 'csrf-header');
      const before = await organizationCount(user.token);
      const response = await forged(user.token, { authorization });
      expect(response.statusCode).toBe(403);
      expect(response.json().data.errorCode).toBe('CROSS_SITE_REQUEST');
      expect(await organizationCount(user.token)).toBe(before);
    });
  }

  it('still refuses a non-JSON change from our own Origin when a non-bearer header rides along', async () => {
    const user = await signUp(t.app, 'csrf-basic-form');
    const response = await forged(user.token, { authorization: 'Basic dXNlcjpwYXNz', origin: ORIGIN });
    expect(response.statusCode).toBe(415);
  });

  it('lets a bearer-authenticated change through (the cookie riding along is then ignored)', async () => {
    const user = await signUp(t.app, 'csrf-bearer');
    const response = await t.app.inject({
      method: 'POST',
      url: '/organizations',
      cookies: { strictops_session: 'not-a-session' },
      headers: { authorization: `Bearer ${user.token}`, origin: 'https://evil.example' },
      payload: { name: 'Scripted' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('answers a bad bearer token with 401 and never falls back to the cookie beside it', async () => {
    const user = await signUp(t.app, 'csrf-bad-bearer');
    const response = await t.app.inject({
      method: 'POST',
      url: '/organizations',
      cookies: { strictops_session: user.token },
      headers: { authorization: 'Bearer not-a-token', origin: 'https://evil.example' },
      payload: { name: 'Forged' },
    });
    expect(response.statusCode).toBe(401);
  });
});

async function organizationCount(token: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: '/organizations',
    headers: { authorization: `Bearer ${token}` },
  });
  return (response.json() as { items: unknown[] }).items.length;
}
