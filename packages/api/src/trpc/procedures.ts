import type { EntityManager } from '@mikro-orm/postgresql';
import { markTokenUsed } from '../api-tokens/api-tokens.service.ts';
import type { AuditScope, RequestOrigin } from '../audit/audit-writer.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { entitlementsOf } from '../entitlements/entitlements.ts';
import { accountBudget } from '../rate-limits/account-budget.ts';
import { AUTH_PER_MINUTE, PER_MINUTE } from '../rate-limits/rate-limits.ts';
import { authenticateCaller, authenticateService, requireSession } from './authenticate.ts';
import { authorizer, authorizeService } from './authorize.ts';
import { callerFacingError } from './error-mapping.ts';
import { t } from './init.ts';
import { refuseUnstorableInput } from './input-hygiene.ts';
import { resolveOrganization } from './organization.ts';
import { enforceRateLimit, rateClassOf } from './rate-limit.ts';
import { runRequest } from './transaction.ts';

/*
 * The request pipeline. Each step lives in its own file; this one only composes them, and every
 * step hands what it learned to the next through the context:
 *
 *   base          errors -> input hygiene -> dependencies
 *   public        base -> rate limit (per email and IP)
 *   authed        base -> authenticate -> session only -> rate limit (per user or named organization)
 *                      -> transaction
 *   org           base -> authenticate -> organization -> rate limit (per organization)
 *                      -> transaction -> authorize (+ token bookkeeping)
 *   internal      base -> service credential -> transaction -> authorize the service
 */

/**
 * Every procedure starts here: a failure becomes the error its caller sees (error-mapping.ts), input
 * that could not be stored is refused, and the dependencies get their type.
 */
export const baseProcedure = t.procedure
  .use(async ({ ctx, next }) => {
    const result = await next();
    if (!result.ok) throw callerFacingError(result.error, ctx.response);
    return result;
  })
  .use(async ({ ctx, getRawInput, next }) => {
    refuseUnstorableInput(await getRawInput());
    const dependencies = ctx.dependencies as ApiDependencies;
    const origin: RequestOrigin = {
      ip: ctx.request.ip,
      userAgent: ctx.request.userAgent,
      requestId: ctx.request.requestId,
    };
    return next({ ctx: { ...dependencies, origin, em: dependencies.orm.em.fork() as EntityManager } });
  });

/**
 * Anyone may call it (sign-up, sign-in). Such a procedure must declare `rateLimit: 'auth'`: it is
 * then limited per email and per client IP, before its input is parsed or any password hashed.
 */
export const publicProcedure = baseProcedure.use(async ({ ctx, meta, path, getRawInput, next }) => {
  if (meta?.rateLimit !== 'auth') throw new Error(`Public procedure ${path} must declare rateLimit: 'auth'`);
  const raw = (await getRawInput()) as { email?: unknown } | undefined;
  const email = typeof raw?.email === 'string' ? raw.email.trim().toLowerCase() : '';
  const auth = { rateClass: 'auth', counter: 'auth-email', key: email, points: AUTH_PER_MINUTE.email } as const;
  if (email) await enforceRateLimit(ctx.rateLimits, ctx.response, auth);
  await enforceRateLimit(ctx.rateLimits, ctx.response, {
    ...auth,
    counter: 'auth-ip',
    key: ctx.request.ip ?? 'unknown',
    points: AUTH_PER_MINUTE.ip,
  });
  return next();
});

/**
 * Any authenticated caller: a session or an API token, with the organization it would act on (and,
 * for account procedures, all of the user's organizations with their tiers), in one round trip.
 */
const callerProcedure = (needs: { allOrganizations: boolean }) =>
  baseProcedure.use(async ({ ctx, next }) =>
    next({ ctx: await authenticateCaller(ctx.em, ctx.request, ctx.response, needs) }),
  );
const accountCaller = callerProcedure({ allOrganizations: true });
const memberCaller = callerProcedure({ allOrganizations: false });

/**
 * A signed-in person acting on their own account: sessions, their list of organizations. API
 * tokens are refused. The procedure runs in one transaction that carries the user's id
 * (`app.user_id`), which lets row-level security show them their own memberships and nothing else
 * of any organization.
 */
export const authedProcedure = accountCaller.use(async ({ ctx, type, meta, next }) => {
  const { caller } = ctx;
  requireSession(caller);
  // Account procedures act on no organization: they spend the named organization's budget, else
  // the user's own at the best tier among their organizations.
  const rateClass = rateClassOf(type, meta);
  if (rateClass !== 'auth') {
    const budget = accountBudget(caller.user.id, ctx.organizations ?? [], ctx.request.organization);
    await enforceRateLimit(ctx.rateLimits, ctx.response, {
      rateClass,
      counter: rateClass,
      key: budget.key,
      points: PER_MINUTE[rateClass] * budget.multiplier,
    });
  }
  return runRequest(ctx.em, { scope: { userId: caller.user.id }, mode: meta?.transaction ?? 'request' }, (request) =>
    next({ ctx: { caller, ...request } }),
  );
});

/**
 * A member acting inside one organization, by session or API token. Resolves the organization and
 * the acting user's current membership, counts the call against the organization's rate limit,
 * opens the request's transaction scoped to that organization (the tenant filter and
 * `app.organization_id`, which row-level security reads) and checks the procedure's
 * `meta.permission` against the policy. Every procedure on tenant data is built from this, so no
 * handler can forget the scope, and a handler that tries to step outside it finds nothing.
 */
export const orgProcedure = memberCaller.use(async ({ ctx, meta, path, type, next }) => {
  const permission = meta?.permission;
  if (!permission) throw new Error(`Procedure ${path} is an organization procedure without a permission`);
  const { caller } = ctx;
  const { organization, membership } = await resolveOrganization(ctx.em, ctx, ctx.request.organization);

  const rateClass = rateClassOf(type, meta);
  if (rateClass !== 'auth') {
    await enforceRateLimit(ctx.rateLimits, ctx.response, {
      rateClass,
      counter: rateClass,
      key: organization.id,
      points: PER_MINUTE[rateClass] * entitlementsOf(organization).rateLimitMultiplier,
    });
  }

  const audit: AuditScope = { organizationId: organization.id, actor: ctx.actor, origin: ctx.origin };
  const scope = { userId: caller.user.id, organizationId: organization.id };
  return runRequest(ctx.em, { scope, mode: meta?.transaction ?? 'request' }, async (request) => {
    const { authorize, allows, deny } = authorizer({
      caller,
      role: membership.role,
      tier: organization.tier,
      audit,
      procedure: path,
      afterFailure: request.afterFailure,
      em: ctx.em,
    });
    authorize(permission);
    if (caller.type === 'api_token') await markTokenUsed(request.em, caller.token);
    return next({ ctx: { ...request, organization, membership, audit, authorize, allows, deny } });
  });
});

/**
 * Internal services (deploy workers, billing, monitoring) calling with a service credential, each
 * only what the policy lists for it. Nothing a member or an API token can call. The procedure runs
 * in one transaction; it chooses the organization it acts on explicitly.
 */
export const internalProcedure = baseProcedure.use(async ({ ctx, meta, path, getRawInput, next }) => {
  const { service, actor } = authenticateService(ctx.request, ctx.serviceCredentials);
  return runRequest(ctx.em, { scope: {}, mode: meta?.transaction ?? 'request' }, async (request) => {
    authorizeService({
      service,
      actor,
      origin: ctx.origin,
      procedure: path,
      input: await getRawInput(),
      afterFailure: request.afterFailure,
      em: ctx.em,
    });
    return next({ ctx: { actor, ...request } });
  });
});
