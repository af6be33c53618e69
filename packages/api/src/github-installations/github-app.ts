import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { AppError } from '../errors.ts';

/** The StrictOps GitHub App, as configured on this server. */
export type GithubAppSettings = {
  appId: string;
  /** The App's URL name: installs start at `<webUrl>/apps/<slug>/installations/new`. */
  slug: string;
  /** The App's private key (PEM): signs the JWTs GitHub's App API wants. */
  privateKey: string;
  /** The secret GitHub signs webhook deliveries with. */
  webhookSecret: string;
  /**
   * The App's OAuth client: with "Request user authorization (OAuth) during installation" on,
   * GitHub's install redirect carries a code for the installing user, which proves that user can
   * access the installation (the App's own credentials prove only that it exists).
   */
  clientId: string;
  clientSecret: string;
  /** https://api.github.com unless GitHub Enterprise Server. */
  apiUrl?: string;
  /** https://github.com unless GitHub Enterprise Server. */
  webUrl?: string;
};

export type GithubInstallationInfo = {
  id: number;
  account: { login: string; id: number; type: string };
  repository_selection: string;
  permissions: Record<string, string>;
  suspended_at: string | null;
};

export type GithubRepository = {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  default_branch?: string;
  html_url: string;
};

const TIMEOUT_MS = 10_000;
const apiUrl = (settings: GithubAppSettings) => settings.apiUrl ?? 'https://api.github.com';

// Every call to GitHub, the token requests Octokit makes on its own included, gives up after
// TIMEOUT_MS: a request must not hang on a slow GitHub.
const timedFetch: typeof fetch = (url, init) =>
  fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(TIMEOUT_MS) });

const makeClient = (options: ConstructorParameters<typeof Octokit>[0], settings: GithubAppSettings) =>
  new Octokit({ ...options, baseUrl: apiUrl(settings), userAgent: 'StrictOps', request: { fetch: timedFetch } });

// One client per configuration: it caches installation tokens until shortly before they expire.
const clients = new WeakMap<GithubAppSettings, Octokit>();

function appClient(settings: GithubAppSettings): Octokit {
  let app = clients.get(settings);
  if (!app) {
    app = makeClient(
      {
        authStrategy: createAppAuth,
        auth: {
          appId: settings.appId,
          privateKey: settings.privateKey,
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
        },
      },
      settings,
    );
    clients.set(settings, app);
  }
  return app;
}

/** GitHub's answer as one of our errors: 404 means the installation is gone; the rest, GitHub is unavailable. */
function fromGithub(error: unknown): never {
  const status = (error as { status?: number }).status;
  if (status === 404) {
    throw new AppError('GITHUB_INSTALLATION_NOT_FOUND', 'GitHub does not know this installation (or no longer)', {
      field: 'installationId',
    });
  }
  throw new AppError('GITHUB_UNAVAILABLE', `GitHub did not answer as expected${status ? ` (HTTP ${status})` : ''}`, {
    cause: error,
  });
}

/** Reads an installation with the App's own credentials (a JWT): only the App's installations exist here. */
export async function fetchInstallation(settings: GithubAppSettings, installationId: number) {
  try {
    const { data } = await appClient(settings).request('GET /app/installations/{installation_id}', {
      installation_id: installationId,
    });
    return data as unknown as GithubInstallationInfo;
  } catch (error) {
    fromGithub(error);
  }
}

/** One page of the repositories the installation may access, through an installation token. */
export async function fetchRepositories(
  settings: GithubAppSettings,
  installationId: number,
  { page, perPage }: { page: number; perPage: number },
) {
  try {
    const { token } = (await appClient(settings).auth({ type: 'installation', installationId })) as { token: string };
    const { data } = await makeClient({ auth: token }, settings).request('GET /installation/repositories', {
      per_page: perPage,
      page,
    });
    return data as unknown as { total_count: number; repositories: GithubRepository[] };
  } catch (error) {
    fromGithub(error);
  }
}

/** Uninstalls the App from the customer's account. Already gone counts as done. */
export async function deleteInstallation(settings: GithubAppSettings, installationId: number) {
  try {
    await appClient(settings).request('DELETE /app/installations/{installation_id}', {
      installation_id: installationId,
    });
  } catch (error) {
    if ((error as { status?: number }).status === 404) return;
    fromGithub(error);
  }
}

/**
 * Exchanges the OAuth `code` of GitHub's install redirect for the installing user's token
 * (the web flow, at `webUrl`: the code and the client secret go to GitHub's login host only).
 * Only a code GitHub refuses is the caller's fault; anything else GitHub says (wrong client
 * credentials among it) is a server problem. No error keeps the request, which holds the secret.
 */
async function exchangeCode(settings: GithubAppSettings, code: string): Promise<string> {
  let data: { access_token?: string; error?: string };
  try {
    ({ data } = await makeClient({}, settings).request('POST /login/oauth/access_token', {
      baseUrl: settings.webUrl ?? 'https://github.com',
      headers: { accept: 'application/json' },
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      code,
    }));
  } catch (error) {
    const status = (error as { status?: number }).status;
    throw new AppError(
      'GITHUB_UNAVAILABLE',
      `GitHub did not answer the code exchange${status ? ` (HTTP ${status})` : ''}`,
    );
  }
  if (data.error === 'bad_verification_code') {
    throw new AppError(
      'GITHUB_AUTHORIZATION_INVALID',
      'GitHub did not accept this authorization code (used already, or expired): start the installation again',
      { field: 'code' },
    );
  }
  if (!data.access_token) {
    throw new AppError('GITHUB_UNAVAILABLE', `GitHub refused the code exchange (${data.error ?? 'no token'})`);
  }
  return data.access_token;
}

/**
 * Whether the GitHub user who completed the install (identified by the OAuth `code` GitHub's
 * redirect carries) controls the account the App is installed on: that user account itself, or an
 * owner (`admin`) of that organization. Being able to see the installation is not enough: a
 * collaborator with read access to one repository can, and must not be able to hand every
 * repository of the account to their own StrictOps organization. The user's token is used for
 * these questions only and revoked at once: StrictOps keeps no access on behalf of people.
 */
export async function installerControlsAccount(
  settings: GithubAppSettings,
  code: string,
  installation: GithubInstallationInfo,
): Promise<boolean> {
  const token = await exchangeCode(settings, code);
  try {
    const user = makeClient({ auth: token }, settings);
    const { account } = installation;
    if (account.type === 'User') {
      const { data: me } = await user.request('GET /user');
      return me.id === account.id;
    }
    if (account.type !== 'Organization') return false;
    try {
      const { data: membership } = await user.request('GET /user/memberships/orgs/{org}', { org: account.login });
      return membership.state === 'active' && membership.role === 'admin';
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw error;
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    throw new AppError(
      'GITHUB_UNAVAILABLE',
      status === 403
        ? 'GitHub refused to show the installer’s role (HTTP 403): the App needs the “Members” organization permission (read), or the organization’s SAML SSO needs the user to authorize'
        : `GitHub did not answer as expected${status ? ` (HTTP ${status})` : ''}`,
      // These requests carry only the user's token, which is revoked below: safe to keep for the log.
      { cause: error },
    );
  } finally {
    await appClient(settings)
      .request('DELETE /applications/{client_id}/token', { client_id: settings.clientId, access_token: token })
      .catch(() => {
        // Revoking is a courtesy: the token expires on its own, and nothing here stored it.
      });
  }
}
