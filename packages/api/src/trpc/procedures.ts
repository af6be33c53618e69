import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { enterOrganization, TENANT_FILTER, USER_SETTING } from '@strictops/db';
import { markTokenUsed } from '../api-tokens/api-tokens.service.ts';
import type { Actor, AuditScope, RequestOrigin } from '../audit/audit.service.ts';
import { recordDenial } from '../audit/audit-log.service.ts';
import { authenticate } from '../auth/authenticate.ts';
import { entitlementsOf } from '../entitlements/entitlements.ts';
import { AppError } from '../errors.ts';
import { resolveActiveOrganization, resolveTokenOrganization } from '../organizations/active-organization.ts';
import { can, PERMISSION_SCOPE, tokenAllows } from '../policy.ts';
import { AUTH_PER_MINUTE, PER_MINUTE, type RateClass, type RateLimits } from '../rate-limits/rate-limits.ts';
import type { ApiDependencies } from './context.ts';
import { toTRPCError } from './error-format.ts';
import { t } from './init.ts';
import type { ProcedureMeta } from './meta.ts';

/**
 * Every procedure starts here: input that could not be stored is refused, domain errors get their
 * status (and a `Retry-After` header when they say when to retry), a deadlock is a conflict, and
 * dependencies get their type.
 */
export const baseProcedure = t.procedure.use(async ({ ctx, next, getRawInput }) => {
  const unstorable = unstorableInput(await getRawInput());
  if (unstorable) throw toTRPCError(new AppError('VALIDATION_FAILED', unstorable.message, { field: unstorable.field }));
  const dependencies = ctx.dependencies as ApiDependencies;
  const origin: RequestOrigin = {
    ip: ctx.request.ip,
    userAgent: ctx.request.userAgent,
    requestId: ctx.request.requestId,
  };
  const result = await next({ ctx: { ...dependencies, origin, em: dependencies.orm.em.fork() as EntityManager } });
  if (!result.ok && result.error.cause instanceof AppError) {
    const retryAfter = result.error.cause.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') ctx.response.setHeader('Retry-After', String(retryAfter));
    throw toTRPCError(result.error.cause);
  }
  if (!result.ok && isLockConflict(result.error.cause)) {
    // The database chose this request to break a lock cycle with another one (its transaction has
    // rolled back whole): a conflict the caller can retry, not a server fault.
    throw toTRPCError(
      new AppError('CONFLICT', 'A concurrent change to the same data got in the way: nothing was changed, try again', {
        cause: result.error.cause,
      }),
    );
  }
  return result;
});

// 55P03: a lock wait gave up (lock_timeout); MikroORM maps it to no class of its own.
const isLockConflict = (error: unknown) =>
  error instanceof DeadlockException ||
  error instanceof LockWaitTimeoutException ||
  (error as { code?: unknown } | undefined)?.code === '55P03';

/** No input of ours nests deeper than a few levels; this bounds the walk below. */
export const MAX_INPUT_DEPTH = 32;

/**
 * What in an input could not be stored, checked before any procedure sees it: a NUL character
 * (PostgreSQL text and JSON cannot hold U+0000, and would fail with a 500), or nesting deeper than
 * any input of ours. Walked with a queue rather than recursion, so no input can exhaust the stack.
 */
export function unstorableInput(input: unknown): { field: string; message: string } | null {
  const queue: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  for (let item = queue.pop(); item; item = queue.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: path, message: 'Text may not contain the NUL character (U+0000)' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: path, message: `Input may not nest deeper than ${MAX_INPUT_DEPTH}` };
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: at, message: 'Names may not contain the NUL character (U+0000)' };
      queue.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** The class a procedure's calls are counted under: its meta's, else `read` for queries and `write` for mutations. */
export function rateClassOf(type: string, meta: ProcedureMeta | undefined): RateClass | undefined {
  return meta?.rateLimit ?? (type === 'query' ? 'read' : type === 'mutation' ? 'write' : undefined);
}

type RateContext = { rateLimits?: RateLimits; response: { setHeader(name: string, value: string): void } };

/** Takes one point; sets the RateLimit-* headers; refuses with 429 and Retry-After when over. */
async function enforceRateLimit(ctx: RateContext, rateClass: RateClass, counter: string, key: string, points: number) {
  if (!ctx.rateLimits) return;
  const decision = await ctx.rateLimits.consume(counter, key, points);
  ctx.response.setHeader('RateLimit-Limit', String(decision.limit));
  ctx.response.setHeader('RateLimit-Remaining', String(decision.remaining));
  ctx.response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
  if (!decision.allowed) {
    // `retryAfterSeconds` becomes the Retry-After header in baseProcedure, as for every refusal.
    throw new AppError('RATE_LIMITED', `Too many ${rateClass} requests: at most ${decision.limit} a minute`, {
      details: { class: rateClass, limit: decision.limit, retryAfterSeconds: decision.resetSeconds },
    });
  }
}

/**
 * Anyone may call it (sign-up, sign-in). Such a procedure must declare `rateLimit: 'auth'`: it is
 * then limited per email and per client IP, before its input is parsed or any password hashed.
 */
export const publicProcedure = baseProcedure.use(async ({ ctx, meta, path, getRawInput, next }) => {
  if (meta?.rateLimit !== 'auth') throw new Error(`Public procedure ${path} must declare rateLimit: 'auth'`);
  const raw = (await getRawInput()) as { email?: unknown } | undefined;
  const email = typeof raw?.email === 'string' ? raw.email.trim().toLowerCase() : '';
  if (email) await enforceRateLimit(ctx, 'auth', 'auth-email', email, AUTH_PER_MINUTE.email);
  await enforceRateLimit(ctx, 'auth', 'auth-ip', ctx.request.ip ?? 'unknown', AUTH_PER_MINUTE.ip);
  return next();
});

const ROLLBACK = Symbol('rollback');

/**
 * Runs the rest of a procedure in one transaction. tRPC reports a failed procedure as a result
 * rather than a throw, so the failure is turned into a rollback here: a mutation and everything
 * it wrote (its audit event included) commit together or not at all.
 */
export async function inTransaction<T extends { ok: boolean }>(
  em: EntityManager,
  run: (tx: EntityManager) => Promise<T>,
) {
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
 * Any authenticated caller: a session or an API token. The rest of the procedure runs in one
 * transaction that carries the acting user's id (`app.user_id`), which lets row-level security
 * show them their own memberships and nothing else of any organization.
 */
const callerProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const caller = await authenticate(ctx.em, ctx.request, ctx.response);
  if (!caller) throw new AppError('UNAUTHENTICATED', 'Sign in first: send a session token, a cookie or an API token');
  if (ctx.rowLevelSecurity !== false) ctx.em.setSessionContext({ variables: { [USER_SETTING]: caller.user.id } });
  const actor: Actor =
    caller.type === 'api_token'
      ? { type: 'api_token', id: caller.token.id, display: `${caller.token.name} (token of ${caller.user.email})` }
      : { type: 'user', id: caller.user.id, display: caller.user.email };
  const result = await inTransaction(ctx.em, (em) => next({ ctx: { caller, actor, em } }));
  const denial = result.ok ? undefined : denials.get(result.error.cause as object);
  if (denial) await recordDenialAfterRollback(ctx.em, denial);
  return result;
});

type Denial = { scope: AuditScope; procedure: string; rowLevelSecurity: boolean };

/** Refusals to record once the request's transaction has rolled back (they would vanish with it). */
const denials = new WeakMap<object, Denial>();

async function recordDenialAfterRollback(em: EntityManager, denial: Denial) {
  try {
    await em.transactional(async (tx) => {
      if (denial.rowLevelSecurity) await enterOrganization(tx, denial.scope.organizationId);
      else tx.setFilterParams(TENANT_FILTER, { organizationId: denial.scope.organizationId });
      await recordDenial(tx, denial.scope, denial.procedure);
    });
  } catch {
    // The caller gets their PERMISSION_DENIED either way; failing to note it must not replace it.
  }
}

/**
 * A signed-in person acting on their own account: sessions, their list of organizations. API
 * tokens are refused here: a token belongs to one organization and cannot sign in or out.
 */
export const authedProcedure = callerProcedure.use(async ({ ctx, type, meta, next }) => {
  if (ctx.caller.type !== 'session') {
    throw new AppError('TOKEN_NOT_ALLOWED', 'This procedure needs a signed-in session, not an API token');
  }
  // Account procedures act on no organization: they are counted per user, at FREE rates.
  const rateClass = rateClassOf(type, meta) ?? 'read';
  if (rateClass !== 'auth') {
    await enforceRateLimit(ctx, rateClass, rateClass, `user:${ctx.caller.user.id}`, PER_MINUTE[rateClass]);
  }
  return next({ ctx: { caller: ctx.caller } });
});

/**
 * A member acting inside one organization, by session or API token. Resolves the organization and
 * the acting user's current membership, checks the procedure's `meta.permission` against the policy
 * (and, for a token, against its scopes), and scopes the request's transaction to that
 * organization: the tenant filter and `app.organization_id`, which the row-level security policies
 * read. Every procedure on tenant data is built from this, so no handler can forget the scope, and
 * a handler that tries to step outside it finds nothing.
 */
export const orgProcedure = callerProcedure.use(async ({ ctx, meta, path, type, next }) => {
  if (!meta?.permission) throw new Error(`Procedure ${path} is an organization procedure without a permission`);
  const { caller } = ctx;
  const { organization, membership } =
    caller.type === 'api_token'
      ? await resolveTokenOrganization(ctx.em, {
          userId: caller.user.id,
          organizationId: caller.token.organizationId,
          requested: ctx.request.organization,
        })
      : await resolveActiveOrganization(ctx.em, {
          userId: caller.user.id,
          sessionId: caller.session.id,
          activeOrganizationId: caller.session.activeOrganizationId,
          requested: ctx.request.organization,
        });
  const rateClass = rateClassOf(type, meta) ?? 'read';
  if (rateClass !== 'auth') {
    const points = PER_MINUTE[rateClass] * entitlementsOf(organization).rateLimitMultiplier;
    await enforceRateLimit(ctx, rateClass, rateClass, organization.id, points);
  }
  const audit: AuditScope = { organizationId: organization.id, actor: ctx.actor, origin: ctx.origin };
  const deny = (message: string) => {
    const error = new AppError('PERMISSION_DENIED', message);
    denials.set(error, { scope: audit, procedure: path, rowLevelSecurity: ctx.rowLevelSecurity !== false });
    return error;
  };
  if (!can(membership.role, meta.permission)) {
    throw deny(`Your role (${membership.role}) may not do this: needs ${meta.permission}`);
  }
  if (caller.type === 'api_token' && !tokenAllows(caller.token.scopes, meta.permission)) {
    throw deny(`This token lacks the "${PERMISSION_SCOPE[meta.permission]}" scope`);
  }
  if (ctx.rowLevelSecurity === false) ctx.em.setFilterParams(TENANT_FILTER, { organizationId: organization.id });
  else await enterOrganization(ctx.em, organization.id);
  if (caller.type === 'api_token') await markTokenUsed(ctx.em, caller.token);
  return next({ ctx: { organization, membership, audit } });
});
