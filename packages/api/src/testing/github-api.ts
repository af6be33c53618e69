import { createHmac, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type {
  GithubAppSettings,
  GithubInstallationInfo,
  GithubRepository,
} from '../github-installations/github-app.ts';

const API = 'https://api.github.com';
const WEB = 'https://github.com';

// The test App's key pair: the server signs JWTs with the private key, the stand-in checks them
// with the public one, as GitHub does.
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

export const TEST_GITHUB: GithubAppSettings = {
  appId: '424242',
  slug: 'strictops-test',
  privateKey: keys.privateKey,
  webhookSecret: 'test-webhook-secret',
  clientId: 'Iv23liTestClient0000',
  clientSecret: 'test-client-secret-0123456789abcdef01234567',
};

/**
 * What the stand-in GitHub knows: the App's installations, their repositories, GitHub users and
 * their roles in GitHub organizations, and the codes and tokens it issued.
 */
export type GithubWorld = {
  installations: Map<number, GithubInstallationInfo>;
  repositories: Map<number, GithubRepository[]>;
  /** Installation tokens, to their installation. */
  tokens: Map<string, number>;
  /** GitHub user logins, to their ids. */
  users: Map<string, number>;
  /** GitHub organization login, to its members and their role. */
  organizations: Map<string, Map<string, 'admin' | 'member'>>;
  /** Unused OAuth codes, to the user they identify. */
  codes: Map<string, string>;
  /** User access tokens, to their user. */
  userTokens: Map<string, string>;
  /** Every request, as `METHOD path`, in order. */
  calls: string[];
};

export const newGithubWorld = (): GithubWorld => ({
  installations: new Map(),
  repositories: new Map(),
  tokens: new Map(),
  users: new Map(),
  organizations: new Map(),
  codes: new Map(),
  userTokens: new Map(),
  calls: [],
});

let nextId = 70_000_000;
const newId = () => nextId++ + Math.floor(Math.random() * 1000) * 1000;

/** The GitHub user with this login, made on first mention. */
export function githubUser(world: GithubWorld, login: string) {
  let id = world.users.get(login);
  if (id === undefined) {
    id = newId();
    world.users.set(login, id);
  }
  return { login, id };
}

/** Makes `user` a member of GitHub organization `organization`, with that role (`admin`: an owner). */
export function joinOrganization(world: GithubWorld, organization: string, user: string, role: 'admin' | 'member') {
  githubUser(world, user);
  const members = world.organizations.get(organization) ?? new Map<string, 'admin' | 'member'>();
  members.set(user, role);
  world.organizations.set(organization, members);
}

/** The OAuth code GitHub's install redirect hands the user's browser: single use, as GitHub's. */
export function oauthCode(world: GithubWorld, user: string) {
  githubUser(world, user);
  const code = randomBytes(10).toString('hex');
  world.codes.set(code, user);
  return code;
}

/**
 * Installs the App on a new account in the stand-in world, as a customer would on github.com: on
 * a GitHub organization (by default) whose owner `<login>-owner` installs it, or on the user
 * account `login` itself.
 */
export function installApp(
  world: GithubWorld,
  login: string,
  repositoryCount = 3,
  { type = 'Organization' }: { type?: 'Organization' | 'User' } = {},
) {
  const id = newId();
  const accountId = type === 'User' ? githubUser(world, login).id : newId();
  if (type === 'Organization') joinOrganization(world, login, `${login}-owner`, 'admin');
  world.installations.set(id, {
    id,
    account: { login, id: accountId, type },
    repository_selection: 'selected',
    permissions: { contents: 'read', metadata: 'read', members: 'read' },
    suspended_at: null,
  });
  world.repositories.set(
    id,
    Array.from({ length: repositoryCount }, (_, i) => ({
      id: id * 10 + i,
      name: `repo-${i}`,
      full_name: `${login}/repo-${i}`,
      private: i % 2 === 0,
      default_branch: 'main',
      html_url: `https://github.com/${login}/repo-${i}`,
    })),
  );
  return id;
}

/** True for an RS256 JWT signed by the test App's key, issued by its id, unexpired. */
function isAppJwt(authorization: string | null) {
  const [, jwt] = /^bearer (.+)$/i.exec(authorization ?? '') ?? [];
  const [header, payload, signature] = (jwt ?? '').split('.');
  if (!header || !payload || !signature) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(keys.publicKey, Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss: unknown; exp: number };
  return String(claims.iss) === TEST_GITHUB.appId && claims.exp * 1000 > Date.now();
}

const bearer = (authorization: string | null) => /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1] ?? '';

/** True for HTTP basic credentials of the test App's OAuth client. */
const isClientBasic = (authorization: string | null) =>
  authorization?.replace(/^basic /i, '') ===
  Buffer.from(`${TEST_GITHUB.clientId}:${TEST_GITHUB.clientSecret}`).toString('base64');

const unauthorized = () => HttpResponse.json({ message: 'A JSON web token could not be decoded' }, { status: 401 });
const notFound = () => HttpResponse.json({ message: 'Not Found' }, { status: 404 });

/** msw handlers standing in for the GitHub REST API, answering from `world`. */
// Long on purpose: one short handler per GitHub endpoint, read side by side as the fake API's table.
export function githubHandlers(world: GithubWorld) {
  return [
    http.get(`${API}/app/installations/:id`, ({ request, params }) => {
      world.calls.push(`GET /app/installations/${params.id}`);
      if (!isAppJwt(request.headers.get('authorization'))) return unauthorized();
      const installation = world.installations.get(Number(params.id));
      return installation ? HttpResponse.json(installation) : notFound();
    }),
    http.post(`${API}/app/installations/:id/access_tokens`, ({ request, params }) => {
      world.calls.push(`POST /app/installations/${params.id}/access_tokens`);
      if (!isAppJwt(request.headers.get('authorization'))) return unauthorized();
      const id = Number(params.id);
      if (!world.installations.has(id)) return notFound();
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      world.tokens.set(token, id);
      return HttpResponse.json(
        {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {},
          repository_selection: 'selected',
        },
        { status: 201 },
      );
    }),
    http.get(`${API}/installation/repositories`, ({ request }) => {
      const url = new URL(request.url);
      world.calls.push(`GET /installation/repositories${url.search}`);
      const id = world.tokens.get(bearer(request.headers.get('authorization')));
      if (id === undefined) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
      const all = world.repositories.get(id) ?? [];
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return HttpResponse.json({
        total_count: all.length,
        repositories: all.slice((page - 1) * perPage, page * perPage),
      });
    }),
    http.delete(`${API}/app/installations/:id`, ({ request, params }) => {
      world.calls.push(`DELETE /app/installations/${params.id}`);
      if (!isAppJwt(request.headers.get('authorization'))) return unauthorized();
      return world.installations.delete(Number(params.id)) ? new HttpResponse(null, { status: 204 }) : notFound();
    }),
    // The web flow's code exchange: GitHub answers 200 with an `error` field when the code is bad.
    http.post(`${WEB}/login/oauth/access_token`, async ({ request }) => {
      world.calls.push('POST /login/oauth/access_token');
      const body = (await request.json()) as { client_id?: string; client_secret?: string; code?: string };
      if (body.client_id !== TEST_GITHUB.clientId || body.client_secret !== TEST_GITHUB.clientSecret) {
        return HttpResponse.json({
          error: 'incorrect_client_credentials',
          error_description: 'The client_id and/or client_secret passed are incorrect.',
          error_uri: 'https://docs.github.com',
        });
      }
      const user = world.codes.get(body.code ?? '');
      if (!user) {
        return HttpResponse.json({
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
          error_uri: 'https://docs.github.com',
        });
      }
      world.codes.delete(body.code ?? '');
      const token = `ghu_${randomBytes(18).toString('hex')}`;
      world.userTokens.set(token, user);
      // As for a GitHub App with expiring user tokens (GitHub's default).
      return HttpResponse.json(
        {
          access_token: token,
          token_type: 'bearer',
          scope: '',
          expires_in: 28800,
          refresh_token: `ghr_${randomBytes(30).toString('hex')}`,
          refresh_token_expires_in: 15897600,
        },
        { headers: { date: new Date().toUTCString() } },
      );
    }),
    http.get(`${API}/user`, ({ request }) => {
      world.calls.push('GET /user');
      const user = world.userTokens.get(bearer(request.headers.get('authorization')));
      if (!user) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
      return HttpResponse.json({ ...githubUser(world, user), type: 'User' });
    }),
    http.get(`${API}/user/memberships/orgs/:org`, ({ request, params }) => {
      world.calls.push(`GET /user/memberships/orgs/${params.org}`);
      const user = world.userTokens.get(bearer(request.headers.get('authorization')));
      if (!user) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
      const role = world.organizations.get(String(params.org))?.get(user);
      if (!role) return notFound();
      return HttpResponse.json({
        state: 'active',
        role,
        organization: { login: params.org },
        user: githubUser(world, user),
      });
    }),
    http.delete(`${API}/applications/:clientId/token`, async ({ request, params }) => {
      world.calls.push(`DELETE /applications/${params.clientId}/token`);
      if (params.clientId !== TEST_GITHUB.clientId || !isClientBasic(request.headers.get('authorization'))) {
        return HttpResponse.json({ message: 'Requires authentication' }, { status: 401 });
      }
      const { access_token } = (await request.json()) as { access_token?: string };
      if (!world.userTokens.delete(access_token ?? '')) {
        return HttpResponse.json({ message: 'Validation Failed' }, { status: 422 });
      }
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

/** Signs a webhook body as GitHub does: `X-Hub-Signature-256: sha256=<hex HMAC>`. */
export const githubSignature = (body: string, secret = TEST_GITHUB.webhookSecret) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
