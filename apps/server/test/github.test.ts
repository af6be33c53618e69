import { randomUUID } from 'node:crypto';
import { createSecretBox } from '@strictops/api';
import {
  githubHandlers,
  githubSignature,
  installApp,
  newGithubWorld,
  oauthCode,
  TEST_GITHUB,
} from '@strictops/api/testing/github';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createTestApp, ORIGIN, signUp } from './test-app.ts';

const world = newGithubWorld();
const github = setupServer(...githubHandlers(world));

// The server reads the App from the environment, as in production: the test App's own settings.
const GITHUB_ENV = {
  GITHUB_APP_ID: TEST_GITHUB.appId,
  GITHUB_APP_SLUG: TEST_GITHUB.slug,
  GITHUB_APP_PRIVATE_KEY: TEST_GITHUB.privateKey,
  GITHUB_WEBHOOK_SECRET: TEST_GITHUB.webhookSecret,
  GITHUB_CLIENT_ID: TEST_GITHUB.clientId,
  GITHUB_CLIENT_SECRET: TEST_GITHUB.clientSecret,
};

let t: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  github.listen({ onUnhandledFrame: 'error' });
  t = await createTestApp(GITHUB_ENV);
});
afterAll(async () => {
  github.close();
  await t.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The App installed on a new GitHub account, and the OAuth code GitHub gave its installer. */
function installOnGithub() {
  const login = `acct-${randomUUID().slice(0, 8)}`;
  const installationId = installApp(world, login);
  return { installationId, code: oauthCode(world, `${login}-owner`) };
}

/** An admin who began an install, and the installation GitHub then made. */
async function begunInstall(label: string) {
  const admin = await signUp(t.app, label);
  const begun = await t.app.inject({
    method: 'POST',
    url: '/github-installations/begin',
    headers: bearer(admin.token),
    payload: {},
  });
  expect(begun.statusCode).toBe(200);
  const { state, installUrl } = begun.json() as { state: string; installUrl: string };
  expect(installUrl).toContain('https://github.com/apps/strictops-test/installations/new?state=');
  return { admin, state, ...installOnGithub() };
}

const setupUrl = (installationId: number, state: string, code: string) =>
  `/integrations/github/setup?code=${code}&installation_id=${installationId}&setup_action=install&state=${encodeURIComponent(state)}`;

describe('GET /integrations/github/setup', () => {
  it('links the installation for the signed-in admin who began it', async () => {
    const { admin, state, installationId, code } = await begunInstall('setup-admin');
    const response = await t.app.inject({
      method: 'GET',
      url: setupUrl(installationId, state, code),
      cookies: { strictops_session: admin.cookie?.value ?? '' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'connected', account: expect.stringMatching(/^acct-/) });
    const listed = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(admin.token) });
    expect(listed.json().items).toMatchObject([{ installationId, status: 'active' }]);
  });

  it('needs the session of that admin: none is 401, someone else’s finds no such organization', async () => {
    const { state, installationId, code } = await begunInstall('setup-owner');
    const anonymous = await t.app.inject({ method: 'GET', url: setupUrl(installationId, state, code) });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().data.errorCode).toBe('UNAUTHENTICATED');

    const stranger = await signUp(t.app, 'setup-stranger');
    const hijack = await t.app.inject({
      method: 'GET',
      url: setupUrl(installationId, state, code),
      cookies: { strictops_session: stranger.cookie?.value ?? '' },
    });
    expect(hijack.statusCode).toBe(404);
    expect(hijack.json().data.errorCode).toBe('ORGANIZATION_NOT_FOUND');
    const theirs = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(stranger.token) });
    expect(theirs.json().items).toEqual([]);
  });

  it('refuses a redirect without an OAuth code (the App must request user authorization), linking nothing', async () => {
    const { admin, state, installationId } = await begunInstall('setup-no-code');
    const cookies = { strictops_session: admin.cookie?.value ?? '' };
    const response = await t.app.inject({
      method: 'GET',
      url: `/integrations/github/setup?installation_id=${installationId}&setup_action=install&state=${encodeURIComponent(state)}`,
      cookies,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().data).toMatchObject({ errorCode: 'VALIDATION_FAILED', field: 'code' });
    const listed = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(admin.token) });
    expect(listed.json().items).toEqual([]);
  });

  it('answers an installer who declined to authorize StrictOps with GITHUB_AUTHORIZATION_DENIED', async () => {
    const { admin, state, installationId } = await begunInstall('setup-declined');
    const response = await t.app.inject({
      method: 'GET',
      url: `/integrations/github/setup?error=access_denied&error_description=denied&installation_id=${installationId}&state=${encodeURIComponent(state)}`,
      cookies: { strictops_session: admin.cookie?.value ?? '' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().data).toMatchObject({ errorCode: 'GITHUB_AUTHORIZATION_DENIED', field: 'code' });
    const listed = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(admin.token) });
    expect(listed.json().items).toEqual([]);
  });

  it('answers a configuration change made on GitHub without linking anything', async () => {
    const { admin, installationId, code } = await begunInstall('setup-update');
    const response = await t.app.inject({
      method: 'GET',
      url: `/integrations/github/setup?code=${code}&installation_id=${installationId}&setup_action=update`,
      cookies: { strictops_session: admin.cookie?.value ?? '' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'updated' });
    const listed = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(admin.token) });
    expect(listed.json().items).toEqual([]);
  });

  it('answers GitHub failing as a 502 with the reason, and logs it for the operator', async () => {
    const logged: { event?: string; errorCode?: string }[] = [];
    const stream = { write: (line: string) => logged.push(JSON.parse(line)) };
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: ORIGIN, ...GITHUB_ENV });
    const app = await buildApp({
      config,
      dependencies: {
        orm: t.orm,
        mailer: t.mailer,
        secrets: createSecretBox(Buffer.alloc(32, 7)),
        github: config.github,
      },
      logger: pino({ level: 'warn' }, stream),
    });
    try {
      const admin = await signUp(app, 'setup-upstream');
      const begun = await app.inject({
        method: 'POST',
        url: '/github-installations/begin',
        headers: bearer(admin.token),
        payload: {},
      });
      const { installationId, code } = installOnGithub();
      github.use(
        http.get('https://api.github.com/user/memberships/orgs/:org', () => HttpResponse.json({}, { status: 503 })),
      );
      const response = await app.inject({
        method: 'GET',
        url: setupUrl(installationId, begun.json().state, code),
        cookies: { strictops_session: admin.cookie?.value ?? '' },
      });
      expect(response.statusCode).toBe(502);
      expect(response.json().data.errorCode).toBe('GITHUB_UNAVAILABLE');
      expect(logged).toContainEqual(
        expect.objectContaining({ event: 'upstream failed', errorCode: 'GITHUB_UNAVAILABLE' }),
      );
    } finally {
      github.resetHandlers();
      await app.close();
    }
  });

  it('sends the browser on to the web app when STRICTOPS_APP_URL is set', async () => {
    const withApp = await createTestApp({ ...GITHUB_ENV, STRICTOPS_APP_URL: 'https://app.strictops.test' });
    try {
      const admin = await signUp(withApp.app, 'setup-redirect');
      const begun = await withApp.app.inject({
        method: 'POST',
        url: '/github-installations/begin',
        headers: bearer(admin.token),
        payload: {},
      });
      const { installationId, code } = installOnGithub();
      const cookies = { strictops_session: admin.cookie?.value ?? '' };
      const done = await withApp.app.inject({
        method: 'GET',
        url: setupUrl(installationId, begun.json().state, code),
        cookies,
      });
      expect(done.statusCode).toBe(303);
      const location = new URL(done.headers.location as string);
      expect(location.origin + location.pathname).toBe('https://app.strictops.test/settings/integrations');
      expect(location.searchParams.get('github_status')).toBe('connected');

      const bad = await withApp.app.inject({
        method: 'GET',
        url: setupUrl(installationId, 'forged.state', code),
        cookies,
      });
      expect(bad.statusCode).toBe(303);
      expect(new URL(bad.headers.location as string).searchParams.get('github_error')).toBe('INSTALL_STATE_INVALID');
    } finally {
      await withApp.close();
    }
  });
});

describe('POST /webhooks/github', () => {
  const post = (body: string, headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/webhooks/github',
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'installation',
        'x-github-delivery': randomUUID(),
        'user-agent': 'GitHub-Hookshot/test',
        ...headers,
      },
    });

  it('verifies the signature over the exact bytes sent, then handles the delivery once', async () => {
    const { admin, state, installationId, code } = await begunInstall('webhook-admin');
    const linked = await t.app.inject({
      method: 'GET',
      url: setupUrl(installationId, state, code),
      cookies: { strictops_session: admin.cookie?.value ?? '' },
    });
    expect(linked.statusCode).toBe(200);
    // Odd spacing on purpose: re-serialized JSON would not match the signature.
    const body = `{ "action" :"suspend",  "installation": {"id": ${installationId}}, "sender": {"login": "octocat"} }`;
    const deliveryId = randomUUID();
    const first = await post(body, { 'x-hub-signature-256': githubSignature(body), 'x-github-delivery': deliveryId });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ outcome: 'processed' });
    const again = await post(body, { 'x-hub-signature-256': githubSignature(body), 'x-github-delivery': deliveryId });
    expect(again.json()).toEqual({ outcome: 'duplicate' });
    const listed = await t.app.inject({ method: 'GET', url: '/github-installations', headers: bearer(admin.token) });
    expect(listed.json().items[0].status).toBe('suspended');
  });

  it('answers 401 to a wrong or missing signature and 400 to a body that is not JSON', async () => {
    const body = '{"action":"deleted","installation":{"id":1}}';
    const wrong = await post(body, { 'x-hub-signature-256': githubSignature(body, 'another secret') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().data.errorCode).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect((await post(body, {})).statusCode).toBe(401);
    const empty = await t.app.inject({
      method: 'POST',
      url: '/webhooks/github',
      headers: { 'x-hub-signature-256': `sha256=${'a'.repeat(64)}`, 'x-github-delivery': randomUUID() },
    });
    expect(empty.statusCode).toBe(401);
    const notJson = 'not json';
    const bad = await post(notJson, { 'x-hub-signature-256': githubSignature(notJson) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().data.errorCode).toBe('VALIDATION_FAILED');
    // Signed, but not what GitHub sends: still a 4xx.
    for (const odd of ['null', '[1,2]', '{"action":7,"installation":{"id":1.5}}']) {
      const answer = await post(odd, { 'x-hub-signature-256': githubSignature(odd) });
      expect(answer.statusCode, odd).toBeLessThan(500);
    }
  });

  it('is unavailable (412) on a server without a GitHub App', async () => {
    const bare = await createTestApp();
    try {
      const body = '{}';
      const response = await bare.app.inject({
        method: 'POST',
        url: '/webhooks/github',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': githubSignature(body) },
      });
      expect(response.statusCode).toBe(412);
      expect(response.json().data.errorCode).toBe('GITHUB_NOT_CONFIGURED');
    } finally {
      await bare.close();
    }
  });
});
