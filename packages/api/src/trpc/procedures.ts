import type { EntityManager } from '@mikro-orm/postgresql';
import { TENANT_FILTER } from '@strictops/db';
import { authenticate } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import { resolveActiveOrganization } from '../organizations/active-organization.ts';
import { can } from '../policy.ts';
import type { ApiDependencies } from './context.ts';
import { toTRPCError } from './error-format.ts';
import { t } from './init.ts';

/** Every procedure starts here: domain errors get their status, and dependencies get their type. */
const baseProcedure = t.procedure.use(async ({ ctx, next }) => {
  const dependencies = ctx.dependencies as ApiDependencies;
  const result = await next({ ctx: { ...dependencies, em: dependencies.orm.em.fork() as EntityManager } });
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

/** Anyone may call it (sign-up, sign-in). */
export const publicProcedure = baseProcedure;

/** A signed-in caller, with no organization chosen: their own account and sessions. */
export const authedProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx.em, ctx.request, ctx.response);
  if (!caller) throw new AppError('UNAUTHENTICATED', 'Sign in first: send a session token or cookie');
  return next({ ctx: { caller } });
});

/**
 * A member acting inside one organization. Resolves the organization and the caller's membership,
 * checks the procedure's `meta.permission` against the policy, and hands the handler an
 * EntityManager whose tenant filter is set to that organization. Every procedure on tenant data
 * is built from this, so no handler can forget the scope.
 */
export const orgProcedure = authedProcedure.use(async ({ ctx, meta, path, next }) => {
  if (!meta?.permission) throw new Error(`Procedure ${path} is an organization procedure without a permission`);
  const { organization, membership } = await resolveActiveOrganization(ctx.em, {
    userId: ctx.caller.user.id,
    sessionId: ctx.caller.session.id,
    activeOrganizationId: ctx.caller.session.activeOrganizationId,
    requested: ctx.request.organization,
  });
  if (!can(membership.role, meta.permission)) {
    throw new AppError('PERMISSION_DENIED', `Your role (${membership.role}) may not do this: needs ${meta.permission}`);
  }
  ctx.em.setFilterParams(TENANT_FILTER, { organizationId: organization.id });
  const actor = { type: 'user' as const, id: ctx.caller.user.id, display: ctx.caller.user.email };
  return next({ ctx: { organization, membership, actor } });
});
