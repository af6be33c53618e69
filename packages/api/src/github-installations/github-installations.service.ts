import type { EntityManager } from '@mikro-orm/postgresql';
import { GithubInstallation } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';
import {
  deleteInstallation,
  fetchInstallation,
  fetchRepositories,
  type GithubAppSettings,
  type GithubInstallationInfo,
  installerControlsAccount,
} from './github-app.ts';
import { signInstallState, verifyInstallState } from './signatures.ts';

export const view = (i: GithubInstallation) => ({
  id: i.id,
  installationId: i.installationId,
  accountLogin: i.accountLogin,
  accountType: i.accountType,
  repositorySelection: i.repositorySelection,
  status: i.status,
  suspendedAt: i.suspendedAt ?? null,
  createdAt: i.createdAt,
});

export function requireGithub(github: GithubAppSettings | undefined): GithubAppSettings {
  if (!github) {
    throw new AppError('GITHUB_NOT_CONFIGURED', 'This server has no GitHub App configured (GITHUB_APP_ID and friends)');
  }
  return github;
}

/** Copies what GitHub says of an installation onto our row. */
export function applyInstallationInfo(installation: GithubInstallation, info: GithubInstallationInfo) {
  installation.accountLogin = info.account.login;
  installation.accountType = info.account.type;
  installation.repositorySelection = info.repository_selection;
  installation.permissions = info.permissions ?? {};
  installation.status = info.suspended_at ? 'suspended' : 'active';
  installation.suspendedAt = info.suspended_at ? new Date(info.suspended_at) : null;
}

export async function loadInstallation(em: EntityManager, id: string) {
  const installation = await em.findOne(GithubInstallation, { id });
  if (!installation) {
    throw new AppError('GITHUB_INSTALLATION_NOT_FOUND', 'GitHub installation not found', { field: 'id' });
  }
  return installation;
}

/** The link that installs the App, carrying a signed state that names this organization and admin. */
export async function beginInstall(
  em: EntityManager,
  { audit, github, userId }: { audit: AuditScope; github?: GithubAppSettings; userId: string },
) {
  const settings = requireGithub(github);
  const { state, expiresAt } = signInstallState(settings.privateKey, { organizationId: audit.organizationId, userId });
  const installUrl = `${settings.webUrl ?? 'https://github.com'}/apps/${encodeURIComponent(settings.slug)}/installations/new?state=${encodeURIComponent(state)}`;
  await recordAuditEvent(em, audit, {
    action: 'github_installation.install_started',
    target: { type: 'organization', id: audit.organizationId },
  });
  return { installUrl, state, expiresAt };
}

/**
 * Where GitHub's install redirect ends. The state must be ours, unexpired, and name this
 * organization and this admin; GitHub must confirm the installation to the App's own credentials;
 * and the OAuth code must belong to a GitHub user who controls the account it is installed on (so
 * an id guessed, copied, or merely visible to a collaborator links nothing). Then it is linked
 * here, unless another organization linked it first. Linking it again updates it.
 */
export async function completeInstall(
  transaction: RunInTransaction,
  input: {
    audit: AuditScope;
    github?: GithubAppSettings;
    userId: string;
    installationId: number;
    state: string;
    code: string;
  },
) {
  const settings = requireGithub(input.github);
  const { audit, installationId } = input;
  const state = verifyInstallState(settings.privateKey, input.state);
  if (state.organizationId !== audit.organizationId || state.userId !== input.userId) {
    throw new AppError(
      'INSTALL_STATE_INVALID',
      'This install link was started by someone else or for another organization',
      {
        field: 'state',
      },
    );
  }
  const info = await fetchInstallation(settings, installationId);
  if (!(await installerControlsAccount(settings, input.code, info))) {
    throw new AppError(
      'INSTALLATION_NOT_CONTROLLED',
      `The GitHub user who authorized this does not control ${info.account.login}: the account itself, or an owner of that organization, must install`,
      { field: 'installationId' },
    );
  }
  // GitHub has answered; only now is a transaction opened, to record it.
  return transaction((em) => linkInstallation(em, { audit, installationId, info }));
}

/** Links the installation GitHub described to the organization, or updates it if it is linked already. */
async function linkInstallation(
  em: EntityManager,
  { audit, installationId, info }: { audit: AuditScope; installationId: number; info: GithubInstallationInfo },
) {
  const existing = await em.findOne(GithubInstallation, { installationId });
  if (existing) return refreshInstallation(em, { audit, installation: existing, info });
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'githubInstallations' });
  const installation = em.create(GithubInstallation, {
    organization: audit.organizationId,
    installationId,
    accountLogin: info.account.login,
    accountType: info.account.type,
    repositorySelection: info.repository_selection,
    permissions: info.permissions ?? {},
  });
  applyInstallationInfo(installation, info);
  await flushOrDuplicate(em, (cause) =>
    lostLinkRace(em, { organizationId: audit.organizationId, installationId, cause }),
  );
  await recordAuditEvent(em, audit, {
    action: 'github_installation.connected',
    target: { type: 'github_installation', id: installation.id, display: info.account.login },
    changes: { installationId: { after: installationId }, account: { after: info.account.login } },
  });
  return view(installation);
}

/** An installation this organization linked before: what GitHub says of it now replaces what we had. */
async function refreshInstallation(
  em: EntityManager,
  { audit, installation, info }: { audit: AuditScope; installation: GithubInstallation; info: GithubInstallationInfo },
) {
  applyInstallationInfo(installation, info);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'github_installation.updated',
    target: { type: 'github_installation', id: installation.id, display: info.account.login },
    changes: { repositorySelection: { after: info.repository_selection }, status: { after: installation.status } },
  });
  return view(installation);
}

/** The insert lost a race: to another organization, or to a second completion of this same install. */
async function lostLinkRace(
  em: EntityManager,
  { organizationId, installationId, cause }: { organizationId: string; installationId: number; cause: unknown },
) {
  const [owner] = await em.execute<{ organization_id: string | null }[]>(
    'select github_installation_organization(?) as organization_id',
    [installationId],
  );
  return owner?.organization_id === organizationId
    ? new AppError('CONFLICT', 'A concurrent request linked this installation to this organization just now', {
        field: 'installationId',
        cause,
      })
    : new AppError('INSTALLATION_ALREADY_LINKED', 'This GitHub installation is linked to another organization', {
        field: 'installationId',
        cause,
      });
}

export async function listInstallations(em: EntityManager) {
  const installations = await em.find(GithubInstallation, {}, { orderBy: { id: 'asc' } });
  return { items: installations.map(view) };
}

/** A page of the repositories the installation can see, asked of GitHub with an installation token. */
export async function listRepositories(
  transaction: RunInTransaction,
  { github, id, cursor, limit }: { github?: GithubAppSettings; id: string; cursor?: string; limit: number },
) {
  const settings = requireGithub(github);
  const installationId = await transaction(async (em) => {
    const installation = await loadInstallation(em, id);
    if (installation.status === 'suspended') {
      throw new AppError(
        'INSTALLATION_SUSPENDED',
        'This installation is suspended on GitHub: unsuspend it there first',
      );
    }
    return installation.installationId;
  });
  const page = cursor ? Number(cursor) : 1;
  // Asked of GitHub with no transaction open.
  const data = await fetchRepositories(settings, installationId, { page, perPage: limit });
  return {
    items: data.repositories.map((r) => ({
      id: r.id,
      name: r.name,
      fullName: r.full_name,
      private: r.private,
      defaultBranch: r.default_branch ?? null,
      url: r.html_url,
    })),
    nextCursor: page * limit < data.total_count ? String(page + 1) : null,
    totalCount: data.total_count,
  };
}

/**
 * Unlinks the installation and uninstalls the App from the GitHub account, so that StrictOps keeps
 * no access it no longer uses. If GitHub cannot be reached, nothing changes here either. GitHub is
 * asked with no transaction open; the unlink is written afterwards, in a short transaction that
 * finds the installation again (already gone: nothing left to do).
 */
export async function disconnectInstallation(
  transaction: RunInTransaction,
  { audit, github, id }: { audit: AuditScope; github?: GithubAppSettings; id: string },
) {
  const settings = requireGithub(github);
  const installationId = await transaction(async (em) => (await loadInstallation(em, id)).installationId);
  await deleteInstallation(settings, installationId);
  return transaction(async (em) => {
    const installation = await em.findOne(GithubInstallation, { id, installationId });
    if (installation) {
      em.remove(installation);
      await em.flush();
      await recordAuditEvent(em, audit, {
        action: 'github_installation.disconnected',
        target: { type: 'github_installation', id, display: installation.accountLogin },
      });
    }
    return { ok: true as const };
  });
}
