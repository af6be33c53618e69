import { alertChannelsRouter } from './alert-channels/alert-channels.router.ts';
import { alertsRouter } from './alerts/alerts.router.ts';
import { apiTokensRouter } from './api-tokens/api-tokens.router.ts';
import { auditEventsRouter } from './audit/audit.router.ts';
import { authRouter } from './auth/auth.router.ts';
import { awsConnectionsRouter } from './aws-connections/aws-connections.router.ts';
import { deploymentsRouter } from './deployments/deployments.router.ts';
import { githubInstallationsRouter } from './github-installations/github-installations.router.ts';
import { internalRouter } from './internal/internal.router.ts';
import { invitationsRouter } from './invitations/invitations.router.ts';
import { membersRouter } from './members/members.router.ts';
import { organizationsRouter } from './organizations/organizations.router.ts';
import { environmentsRouter } from './projects/environments.router.ts';
import { projectsRouter } from './projects/projects.router.ts';
import { router } from './trpc/init.ts';

export const appRouter = router({
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
});

export type AppRouter = typeof appRouter;
