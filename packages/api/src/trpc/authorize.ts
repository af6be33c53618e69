import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '@strictops/db';
import type { AuditScope } from '../audit/audit.service.ts';
import type { Caller } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import { can, PERMISSION_SCOPE, type Permission, tokenAllows } from '../policy.ts';
import { recordDenialAfterRequest } from './denial-log.ts';
import type { AfterFailure } from './transaction.ts';

/** Refuses with PERMISSION_DENIED and has the attempt recorded once the request's changes are undone. */
export type Deny = (message: string) => AppError;
/** Throws PERMISSION_DENIED (recorded) unless the caller may do this. */
export type Authorize = (permission: Permission) => void;

export type Authorizer = { authorize: Authorize; deny: Deny };

/**
 * The one deny path of an organization request: every refusal it makes is an audit event, written
 * after the request's transaction has rolled back. `authorize` asks the policy about the caller's
 * role and, for an API token, the token's scopes; handlers and services get both functions on their
 * context for the decisions a role alone does not make.
 */
export function authorizer({
  caller,
  role,
  audit,
  procedure,
  afterFailure,
  em,
}: {
  caller: Caller;
  role: Role;
  audit: AuditScope;
  procedure: string;
  afterFailure: AfterFailure;
  /** Where the denial is written: outside the request's transaction. */
  em: EntityManager;
}): Authorizer {
  const deny: Deny = (message) => {
    afterFailure.add(() => recordDenialAfterRequest(em, audit, procedure));
    return new AppError('PERMISSION_DENIED', message);
  };
  const authorize: Authorize = (permission) => {
    if (!can(role, permission)) throw deny(`Your role (${role}) may not do this: needs ${permission}`);
    if (caller.type === 'api_token' && !tokenAllows(caller.token.scopes, permission)) {
      throw deny(`This token lacks the "${PERMISSION_SCOPE[permission]}" scope`);
    }
  };
  return { authorize, deny };
}
