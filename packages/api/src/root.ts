import { authRouter } from './auth/auth.router.ts';
import { organizationsRouter } from './organizations/organizations.router.ts';
import { router } from './trpc/init.ts';

export const appRouter = router({
  auth: authRouter,
  organizations: organizationsRouter,
});

export type AppRouter = typeof appRouter;
