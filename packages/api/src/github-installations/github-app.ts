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
  /** https://api.github.com unless GitHub Enterprise Server. */
  apiUrl?: string;
  /** https://github.com unless GitHub Enterprise Server. */
  webUrl?: string;
};

export type GithubInstallationInfo = {
  id: number;
  account: { login: string; type: string };
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

// One client per configuration: it caches installation tokens until shortly before they expire.
const clients = new WeakMap<GithubAppSettings, Octokit>();

function appClient(settings: GithubAppSettings): Octokit {
  let client = clients.get(settings);
  if (!client) {
    client = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: settings.appId, privateKey: settings.privateKey },
      baseUrl: apiUrl(settings),
      userAgent: 'StrictOps',
    });
    clients.set(settings, client);
  }
  return client;
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

const options = () => ({ request: { signal: AbortSignal.timeout(TIMEOUT_MS) } });

/** Reads an installation with the App's own credentials (a JWT): only the App's installations exist here. */
export async function fetchInstallation(settings: GithubAppSettings, installationId: number) {
  try {
    const { data } = await appClient(settings).request('GET /app/installations/{installation_id}', {
      installation_id: installationId,
      ...options(),
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
    const installation = new Octokit({ auth: token, baseUrl: apiUrl(settings), userAgent: 'StrictOps' });
    const { data } = await installation.request('GET /installation/repositories', {
      per_page: perPage,
      page,
      ...options(),
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
      ...options(),
    });
  } catch (error) {
    if ((error as { status?: number }).status === 404) return;
    fromGithub(error);
  }
}
