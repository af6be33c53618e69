import { router } from '../trpc/init.ts';
import { authedProcedure, publicProcedure } from '../trpc/procedures.ts';
import {
  Empty,
  MeDto,
  Ok,
  RevokeSessionInput,
  SessionListDto,
  SignedInDto,
  SignInInput,
  SignUpInput,
} from './auth.schemas.ts';
import * as auth from './auth.service.ts';

const tags = ['auth'];

export const authRouter = router({
  signUp: publicProcedure
    .meta({
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

  signIn: publicProcedure
    .meta({
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

  signOut: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/sign-out', tags, summary: 'End this session' } })
    .input(Empty)
    .output(Ok)
    .mutation(async ({ ctx }) => {
      await auth.signOut(ctx.em, ctx.caller);
      ctx.response.clearSessionCookie();
      return { ok: true as const };
    }),

  signOutEverywhere: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/auth/sign-out-everywhere', tags, summary: 'End every session of this user' },
    })
    .input(Empty)
    .output(Ok)
    .mutation(async ({ ctx }) => {
      await auth.signOutEverywhere(ctx.em, ctx.caller);
      ctx.response.clearSessionCookie();
      return { ok: true as const };
    }),

  me: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/auth/me', tags, summary: 'The caller, their organizations and the active one' },
    })
    .input(Empty)
    .output(MeDto)
    .query(({ ctx }) => auth.me(ctx.em, ctx.caller, ctx.origin)),

  sessions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/sessions', tags, summary: 'The caller’s live sessions' } })
    .input(Empty)
    .output(SessionListDto)
    .query(async ({ ctx }) => ({ items: await auth.listSessions(ctx.em, ctx.caller) })),

  revokeSession: authedProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/auth/sessions/{id}', tags, summary: 'End one of the caller’s sessions' },
    })
    .input(RevokeSessionInput)
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      await auth.revokeSession(ctx.em, ctx.caller, input.id);
      return { ok: true as const };
    }),
});
