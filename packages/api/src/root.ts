import { apiTokensRouter } from './api-tokens/api-tokens.router.ts';
import { auditEventsRouter } from './audit/audit.router.ts';
import { authRouter } from './auth/auth.router.ts';
import { organizationsRouter } from './organizations/organizations.router.ts';
import { router } from './trpc/init.ts';

export const appRouter = router({
  auth: authRouter,
  apiTokens: apiTokensRouter,
  auditEvents: auditEventsRouter,
  organizations: organizationsRouter,
});

export type AppRouter = typeof appRouter;
