import { authRouter } from './auth/auth.router.ts';
import { invitationsRouter } from './invitations/invitations.router.ts';
import { membersRouter } from './members/members.router.ts';
import { organizationsRouter } from './organizations/organizations.router.ts';
import { router } from './trpc/init.ts';

export const appRouter = router({
  auth: authRouter,
  organizations: organizationsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
});

export type AppRouter = typeof appRouter;
