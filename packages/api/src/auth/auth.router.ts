import { NoInput, Ok } from '../shared/schemas.ts';
import { router } from '../trpc/init.ts';
import { authedProcedure, publicProcedure } from '../trpc/procedures.ts';
import { MeDto, RevokeSessionInput, SessionListDto, SignedInDto, SignInInput, SignUpInput } from './auth.schemas.ts';
import * as auth from './auth.service.ts';

const tags = ['auth'];

export const authRouter = router({
  /**
   * Creates an account and its first organization, with the new user as its `strictops_admin`; with an
   * `invitationToken`, joins the inviting organization instead (the email must be the invited one).
   * Answers the user and a session token (shown once), and sets the session cookie.
   */
  signUp: publicProcedure
    .meta({
      // With an invitation token, the event goes to the organization joined: that call creates none.
      auditLog: 'created-organization',
      errors: [
        'EMAIL_TAKEN',
        'INVITATION_NOT_FOUND',
        'INVITATION_EXPIRED',
        'INVITATION_REVOKED',
        'INVITATION_ALREADY_ACCEPTED',
        'INVITATION_EMAIL_MISMATCH',
        'ALREADY_MEMBER',
      ],
      rateLimit: 'auth',
      openapi: {
        method: 'POST',
        path: '/auth/sign-up',
        protect: false,
        tags,
        summary: 'Create an account and its organization, or join one with an invitation token',
      },
    })
    .input(SignUpInput)
    .output(SignedInDto)
    .mutation(async ({ ctx, input }) => {
      const result = await auth.signUp(ctx.em, input, ctx.origin);
      ctx.response.setSessionCookie(result.session.token, result.session.expiresAt);
      return result;
    }),

  /**
   * Starts a session with an email and password: answers the user and a session token (shown once),
   * and sets the session cookie. A wrong email or password is `INVALID_CREDENTIALS`, never which of the two.
   */
  signIn: publicProcedure
    .meta({
      auditLog: 'none',
      errors: ['INVALID_CREDENTIALS'],
      rateLimit: 'auth',
      openapi: { method: 'POST', path: '/auth/sign-in', protect: false, tags, summary: 'Start a session' },
    })
    .input(SignInInput)
    .output(SignedInDto)
    .mutation(async ({ ctx, input }) => {
      const result = await auth.signIn(ctx.em, input, ctx.origin);
      ctx.response.setSessionCookie(result.session.token, result.session.expiresAt);
      return result;
    }),

  /**
   * Ends the session making the call and clears the session cookie.
   */
  signOut: authedProcedure
    .meta({ auditLog: 'none', openapi: { method: 'POST', path: '/auth/sign-out', tags, summary: 'End this session' } })
    .input(NoInput)
    .output(Ok)
    .mutation(async ({ ctx }) => {
      await auth.signOut(ctx.em, ctx.caller);
      ctx.response.clearSessionCookie();
      return { ok: true as const };
    }),

  /**
   * Ends every session of the signed-in user, this one included.
   */
  signOutEverywhere: authedProcedure
    .meta({
      auditLog: 'none',
      openapi: { method: 'POST', path: '/auth/sign-out-everywhere', tags, summary: 'End every session of this user' },
    })
    .input(NoInput)
    .output(Ok)
    .mutation(async ({ ctx }) => {
      await auth.signOutEverywhere(ctx.em, ctx.caller);
      ctx.response.clearSessionCookie();
      return { ok: true as const };
    }),

  /**
   * The signed-in user, every organization they belong to with their role in it, and the active one.
   * A user left without any organization gets a new one here.
   */
  me: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/auth/me', tags, summary: 'The caller, their organizations and the active one' },
    })
    .input(NoInput)
    .output(MeDto)
    .query(({ ctx }) => auth.me(ctx.em, ctx.caller, ctx.origin)),

  /**
   * The signed-in user's live sessions (never their secrets), the current one marked.
   */
  sessions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/sessions', tags, summary: 'The caller’s live sessions' } })
    .input(NoInput)
    .output(SessionListDto)
    .query(async ({ ctx }) => ({ items: await auth.listSessions(ctx.em, ctx.caller) })),

  /**
   * Ends one of the signed-in user's sessions, by the id `auth.sessions` lists.
   */
  revokeSession: authedProcedure
    .meta({
      auditLog: 'none',
      errors: ['SESSION_NOT_FOUND'],
      openapi: { method: 'DELETE', path: '/auth/sessions/{id}', tags, summary: 'End one of the caller’s sessions' },
    })
    .input(RevokeSessionInput)
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      await auth.revokeSession(ctx.em, ctx.caller, input.id);
      return { ok: true as const };
    }),
});
