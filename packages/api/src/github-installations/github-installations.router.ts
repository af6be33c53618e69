import { Empty, Ok } from '../auth/auth.schemas.ts';
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
  beginInstall: orgProcedure
    .meta({
      permission: 'integrations.manage',
      openapi: {
        method: 'POST',
        path: '/github-installations/begin',
        tags,
        summary: 'The GitHub App install link, with a signed state naming this organization',
      },
    })
    .input(Empty)
    .output(BeginInstallDto)
    .mutation(({ ctx }) =>
      installations.beginInstall(ctx.em, { audit: ctx.audit, github: ctx.github, userId: ctx.caller.user.id }),
    ),

  completeInstall: orgProcedure
    .meta({
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
    .input(Empty)
    .output(GithubInstallationListDto)
    .query(({ ctx }) => installations.listInstallations(ctx.em)),

  repositories: orgProcedure
    .meta({
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

  disconnect: orgProcedure
    .meta({
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
