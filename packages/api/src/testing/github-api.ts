import { createHmac, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type {
  GithubAppSettings,
  GithubInstallationInfo,
  GithubRepository,
} from '../github-installations/github-app.ts';

const API = 'https://api.github.com';

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
};

/** What the stand-in GitHub knows: the App's installations, their repositories, tokens it issued. */
export type GithubWorld = {
  installations: Map<number, GithubInstallationInfo>;
  repositories: Map<number, GithubRepository[]>;
  tokens: Map<string, number>;
  /** Every request, as `METHOD path`, in order. */
  calls: string[];
};

export const newGithubWorld = (): GithubWorld => ({
  installations: new Map(),
  repositories: new Map(),
  tokens: new Map(),
  calls: [],
});

let nextId = 70_000_000;
/** Installs the App on a new account in the stand-in world, as a customer would on github.com. */
export function installApp(world: GithubWorld, login: string, repositoryCount = 3) {
  const id = nextId++ + Math.floor(Math.random() * 1000) * 1000;
  world.installations.set(id, {
    id,
    account: { login, type: 'Organization' },
    repository_selection: 'selected',
    permissions: { contents: 'read', metadata: 'read' },
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

const unauthorized = () => HttpResponse.json({ message: 'A JSON web token could not be decoded' }, { status: 401 });
const notFound = () => HttpResponse.json({ message: 'Not Found' }, { status: 404 });

/** msw handlers standing in for the GitHub REST API, answering from `world`. */
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
      const [, token] = /^(?:token|bearer) (.+)$/i.exec(request.headers.get('authorization') ?? '') ?? [];
      const id = world.tokens.get(token ?? '');
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
  ];
}

/** Signs a webhook body as GitHub does: `X-Hub-Signature-256: sha256=<hex HMAC>`. */
export const githubSignature = (body: string, secret = TEST_GITHUB.webhookSecret) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
