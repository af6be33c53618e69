import type { TRPCBuiltRouter, TRPCDecorateCreateRouterOptions } from '@trpc/server';
import { alertChannelsRouter } from './alert-channels/alert-channels.router.ts';
import { alertsRouter } from './alerts/alerts.router.ts';
import { apiTokensRouter } from './api-tokens/api-tokens.router.ts';
import { auditEventsRouter } from './audit/audit.router.ts';
import { authRouter } from './auth/auth.router.ts';
import { awsConnectionsRouter } from './aws-connections/aws-connections.router.ts';
import { deploymentsRouter } from './deployments/deployments.router.ts';
import { environmentsRouter } from './environments/environments.router.ts';
import { githubInstallationsRouter } from './github-installations/github-installations.router.ts';
import { internalRouter } from './internal/internal.router.ts';
import { invitationsRouter } from './invitations/invitations.router.ts';
import { membersRouter } from './members/members.router.ts';
import { organizationsRouter } from './organizations/organizations.router.ts';
import { projectsRouter } from './projects/projects.router.ts';
import { router, type t } from './trpc/init.ts';

/**
 * Each area by reference, not by its inferred shape: the SDK's declarations then keep every
 * procedure's TSDoc, which an inlined type would drop. `satisfies` below keeps this in step.
 */
type Areas = {
  auth: typeof authRouter;
  apiTokens: typeof apiTokensRouter;
  auditEvents: typeof auditEventsRouter;
  organizations: typeof organizationsRouter;
  projects: typeof projectsRouter;
  environments: typeof environmentsRouter;
  deployments: typeof deploymentsRouter;
  awsConnections: typeof awsConnectionsRouter;
  githubInstallations: typeof githubInstallationsRouter;
  alertChannels: typeof alertChannelsRouter;
  alerts: typeof alertsRouter;
  internal: typeof internalRouter;
  members: typeof membersRouter;
  invitations: typeof invitationsRouter;
};

export const appRouter: TRPCBuiltRouter<(typeof t._config)['$types'], TRPCDecorateCreateRouterOptions<Areas>> = router({
  auth: authRouter,
  apiTokens: apiTokensRouter,
  auditEvents: auditEventsRouter,
  organizations: organizationsRouter,
  projects: projectsRouter,
  environments: environmentsRouter,
  deployments: deploymentsRouter,
  awsConnections: awsConnectionsRouter,
  githubInstallations: githubInstallationsRouter,
  alertChannels: alertChannelsRouter,
  alerts: alertsRouter,
  internal: internalRouter,
  members: membersRouter,
  invitations: invitationsRouter,
} satisfies Areas);

export type AppRouter = typeof appRouter;
