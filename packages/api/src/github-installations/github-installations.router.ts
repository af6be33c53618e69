import { NoInput, Ok } from '../shared/schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  BeginInstallDto,
  CompleteInstallInput,
  GithubInstallationDto,
  GithubInstallationListDto,
  GithubInstallationRef,
  RepositoriesInput,
  RepositoryPageDto,
} from './github-installations.schemas.ts';
import * as installations from './github-installations.service.ts';

const tags = ['github installations'];

export const githubInstallationsRouter = router({
  /**
   * The link that installs the StrictOps GitHub App, with a signed state naming this organization and
   * you; GitHub sends the browser back to `GET /integrations/github/setup`.
   */
  beginInstall: orgProcedure
    .meta({
      errors: ['GITHUB_NOT_CONFIGURED'],
      permission: 'integrations.manage',
      openapi: {
        method: 'POST',
        path: '/github-installations/begin',
        tags,
        summary: 'The GitHub App install link, with a signed state naming this organization',
      },
    })
    .input(NoInput)
    .output(BeginInstallDto)
    .mutation(({ ctx }) =>
      installations.beginInstall(ctx.em, { audit: ctx.audit, github: ctx.github, userId: ctx.caller.user.id }),
    ),

  /**
   * Links the installation GitHub redirected back with, after proving (with the OAuth code) that the
   * installer controls the account it was installed on.
   */
  completeInstall: orgProcedure
    .meta({
      errors: [
        'GITHUB_NOT_CONFIGURED',
        'INSTALL_STATE_INVALID',
        'INSTALL_STATE_EXPIRED',
        'GITHUB_AUTHORIZATION_INVALID',
        'INSTALLATION_NOT_CONTROLLED',
        'INSTALLATION_ALREADY_LINKED',
        'GITHUB_INSTALLATION_NOT_FOUND',
        'GITHUB_UNAVAILABLE',
        'LIMIT_REACHED',
      ],
      permission: 'integrations.manage',
      // GitHub is asked outside any transaction (see the service).
      transaction: 'manual',
      openapi: {
        method: 'POST',
        path: '/github-installations/complete',
        tags,
        summary:
          'Link the installation GitHub redirected back with (GET /integrations/github/setup does this for browsers)',
      },
    })
    .input(CompleteInstallInput)
    .output(GithubInstallationDto)
    .mutation(({ ctx, input }) =>
      installations.completeInstall(ctx.transaction, {
        audit: ctx.audit,
        github: ctx.github,
        userId: ctx.caller.user.id,
        installationId: input.installationId,
        state: input.state,
        code: input.code,
      }),
    ),

  /**
   * The organization's GitHub installations.
   */
  list: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: {
        method: 'GET',
        path: '/github-installations',
        tags,
        summary: 'The organization’s GitHub installations',
      },
    })
    .input(NoInput)
    .output(GithubInstallationListDto)
    .query(({ ctx }) => installations.listInstallations(ctx.em)),

  /**
   * The repositories an installation can access, a page at a time (GitHub's paging). Iterate every
   * page with `paginate`.
   */
  repositories: orgProcedure
    .meta({
      errors: [
        'GITHUB_NOT_CONFIGURED',
        'GITHUB_INSTALLATION_NOT_FOUND',
        'INSTALLATION_SUSPENDED',
        'GITHUB_UNAVAILABLE',
      ],
      permission: 'organization.read',
      // GitHub is asked outside any transaction (see the service).
      transaction: 'manual',
      openapi: {
        method: 'GET',
        path: '/github-installations/{id}/repositories',
        tags,
        summary: 'The repositories the installation can access, a page at a time',
      },
    })
    .input(RepositoriesInput)
    .output(RepositoryPageDto)
    .query(({ ctx, input }) => installations.listRepositories(ctx.transaction, { github: ctx.github, ...input })),

  /**
   * Unlinks an installation and uninstalls the App from the GitHub account; if GitHub fails, nothing
   * changes.
   */
  disconnect: orgProcedure
    .meta({
      errors: ['GITHUB_NOT_CONFIGURED', 'GITHUB_INSTALLATION_NOT_FOUND', 'GITHUB_UNAVAILABLE'],
      permission: 'integrations.manage',
      // GitHub is asked outside any transaction (see the service).
      transaction: 'manual',
      openapi: {
        method: 'DELETE',
        path: '/github-installations/{id}',
        tags,
        summary: 'Unlink the installation and uninstall the App from the GitHub account',
      },
    })
    .input(GithubInstallationRef)
    .output(Ok)
    .mutation(({ ctx, input }) =>
      installations.disconnectInstallation(ctx.transaction, { audit: ctx.audit, github: ctx.github, id: input.id }),
    ),
});
