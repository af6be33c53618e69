import type { ErrorCode } from './errors.ts';
import type { ProcedureMeta } from './trpc/meta.ts';

/**
 * Who may call a procedure, as its builder decides. Read from the procedure's path and meta, which
 * the builders require: an organization procedure must name a permission, one anyone may call must
 * be rate limited as `auth`, and internal services' procedures live under `internal.`.
 */
export type CallerKind = 'anyone' | 'account' | 'member' | 'service';

export function callerKindOf(path: string, meta: ProcedureMeta | undefined): CallerKind {
  if (path.startsWith('internal.')) return 'service';
  if (meta?.permission) return 'member';
  if (meta?.rateLimit === 'auth') return 'anyone';
  return 'account';
}

/**
 * What any procedure may answer: bad input, a lock conflict it lost, a database it could not reach,
 * a failure of ours.
 */
const EVERY_PROCEDURE: readonly ErrorCode[] = ['VALIDATION_FAILED', 'CONFLICT', 'SERVICE_UNAVAILABLE', 'INTERNAL'];

/** What each builder adds: authentication, the organization and its policy, the rate limit. */
const BY_CALLER: Record<CallerKind, readonly ErrorCode[]> = {
  anyone: ['RATE_LIMITED'],
  account: ['UNAUTHENTICATED', 'TOKEN_NOT_ALLOWED', 'RATE_LIMITED'],
  member: ['UNAUTHENTICATED', 'ORGANIZATION_NOT_FOUND', 'PERMISSION_DENIED', 'RATE_LIMITED'],
  service: ['UNAUTHENTICATED', 'PERMISSION_DENIED'],
};

/** Every code a procedure may answer: its builder's and the domain errors its meta declares. */
export function procedureErrors(path: string, meta: ProcedureMeta | undefined): ErrorCode[] {
  return [...new Set([...EVERY_PROCEDURE, ...BY_CALLER[callerKindOf(path, meta)], ...(meta?.errors ?? [])])];
}
