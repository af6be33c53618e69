import type { EntityManager } from '@mikro-orm/postgresql';
import { enterOrganization, TENANT_FILTER, USER_SETTING } from '@strictops/db';
import type { Actor, AuditScope, RequestOrigin } from '../audit/audit.service.ts';
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
  const origin: RequestOrigin = {
    ip: ctx.request.ip,
    userAgent: ctx.request.userAgent,
    requestId: ctx.request.requestId,
  };
  const result = await next({ ctx: { ...dependencies, origin, em: dependencies.orm.em.fork() as EntityManager } });
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

/** Anyone may call it (sign-up, sign-in). */
export const publicProcedure = baseProcedure;

const ROLLBACK = Symbol('rollback');

/**
 * Runs the rest of a procedure in one transaction. tRPC reports a failed procedure as a result
 * rather than a throw, so the failure is turned into a rollback here: a mutation and everything
 * it wrote (its audit event included) commit together or not at all.
 */
async function inTransaction<T extends { ok: boolean }>(em: EntityManager, run: (tx: EntityManager) => Promise<T>) {
  let result: T | undefined;
  try {
    await em.transactional(async (tx) => {
      result = await run(tx);
      if (!result.ok) throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return result as T;
}

/**
 * A signed-in caller, with no organization chosen: their own account and sessions. The procedure
 * runs in one transaction that carries the caller's id (`app.user_id`), which lets row-level
 * security show them their own memberships and nothing else of any organization.
 */
export const authedProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx.em, ctx.request, ctx.response);
  if (!caller) throw new AppError('UNAUTHENTICATED', 'Sign in first: send a session token or cookie');
  if (ctx.rowLevelSecurity !== false) ctx.em.setSessionContext({ variables: { [USER_SETTING]: caller.user.id } });
  const actor: Actor = { type: 'user', id: caller.user.id, display: caller.user.email };
  return inTransaction(ctx.em, (em) => next({ ctx: { caller, actor, em } }));
});

/**
 * A member acting inside one organization. Resolves the organization and the caller's membership,
 * checks the procedure's `meta.permission` against the policy, and scopes the request's
 * transaction to that organization: the tenant filter and `app.organization_id`, which the
 * row-level security policies read. Every procedure on tenant data is built from this, so no
 * handler can forget the scope, and a handler that tries to step outside it finds nothing.
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
  if (ctx.rowLevelSecurity === false) ctx.em.setFilterParams(TENANT_FILTER, { organizationId: organization.id });
  else await enterOrganization(ctx.em, organization.id);
  const audit: AuditScope = { organizationId: organization.id, actor: ctx.actor, origin: ctx.origin };
  return next({ ctx: { organization, membership, audit } });
});
