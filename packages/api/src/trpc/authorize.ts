import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role, Tier } from '@strictops/db';
import type { Actor, AuditScope, RequestOrigin } from '../audit/audit-writer.ts';
import type { Caller } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import { type Allows, type Authorize, decide, type Refusal, type Subject, serviceMay } from '../policy.ts';
import { recordDenialAfterRequest } from './denial-log.ts';
import type { AfterFailure } from './transaction.ts';

/** Refuses (PERMISSION_DENIED, or FEATURE_NOT_IN_TIER) and has the attempt recorded once the request's changes are undone. */
export type Deny = (refusal: Refusal) => AppError;

export type Authorizer = { authorize: Authorize; allows: Allows; deny: Deny; subject: Subject };

/**
 * The one deny path of an organization request: every refusal is the policy's (`decide`), and each
 * is an audit event naming the rule, written after the request's transaction has rolled back.
 * `authorize` checks the procedure's permission before its handler runs; handlers and services get
 * it on their context to ask again once they know the facts a role alone does not settle (a
 * protected environment, the scopes a token would carry). `allows` asks without refusing, for
 * what a caller may see rather than do.
 */
export function authorizer({
  caller,
  role,
  tier,
  audit,
  procedure,
  afterFailure,
  em,
}: {
  caller: Caller;
  role: Role;
  tier: Tier;
  audit: AuditScope;
  procedure: string;
  afterFailure: AfterFailure;
  /** Where the denial is written: outside the request's transaction. */
  em: EntityManager;
}): Authorizer {
  const subject: Subject = { role, tokenScopes: caller.type === 'api_token' ? caller.token.scopes : null, tier };
  const deny: Deny = (refusal) => {
    afterFailure.add(() => recordDenialAfterRequest(em, audit, { procedure, rule: refusal.rule }));
    return refusal.code === 'FEATURE_NOT_IN_TIER'
      ? new AppError(refusal.code, refusal.message, { field: refusal.field, details: refusal.details })
      : new AppError(refusal.code, refusal.message, { field: refusal.field });
  };
  const authorize: Authorize = (permission, facts) => {
    const refusal = decide(subject, permission, facts);
    if (refusal) throw deny(refusal);
  };
  const allows: Allows = (permission, facts) => decide(subject, permission, facts) === null;
  return { authorize, allows, deny, subject };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An internal service may call only what the policy lists for it (SERVICE_POLICY): the deploy
 * worker's secret cannot set a tier, billing's cannot finish a deployment. A refusal is recorded,
 * naming the service, in the organization the call named, once the request's changes are undone.
 */
export function authorizeService({
  service,
  actor,
  origin,
  procedure,
  input,
  afterFailure,
  em,
}: {
  service: { name: string };
  actor: Actor;
  origin: RequestOrigin;
  procedure: string;
  input: unknown;
  afterFailure: AfterFailure;
  em: EntityManager;
}): void {
  if (serviceMay(service.name, procedure)) return;
  const named = (input as { organizationId?: unknown } | null | undefined)?.organizationId;
  if (typeof named === 'string' && UUID.test(named)) {
    const audit = { organizationId: named, actor, origin };
    afterFailure.add(() => recordDenialAfterRequest(em, audit, { procedure, rule: `service ${service.name}` }));
  }
  throw new AppError('PERMISSION_DENIED', `The ${service.name} service may not call ${procedure}`);
}
