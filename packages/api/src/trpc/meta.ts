import type { ErrorCode } from '../errors.ts';
import type { Permission } from '../policy.ts';
import type { RateClass } from '../rate-limits/rate-limits.ts';

/**
 * Per-procedure metadata. Structurally what trpc-to-openapi reads under `openapi`, declared here
 * so that the SDK's declarations need nothing from trpc-to-openapi.
 */
export type ProcedureMeta = {
  /** Required on every organization procedure: the policy entry that decides who may call it. */
  permission?: Permission;
  /**
   * The rate-limit class (SPEC §6). Queries default to `read` and mutations to `write`; procedures
   * anyone may call must say `auth`, and deployment creation says `deploy`.
   */
  rateLimit?: RateClass;
  /**
   * `manual` for a procedure that waits on a third party (GitHub, AWS, a mail relay): it gets no
   * request-wide transaction and writes in short transactions of its own (`ctx.transaction`), so a
   * slow third party never holds a database connection. Default: `request`, one transaction.
   */
  transaction?: 'request' | 'manual';
  /**
   * The domain errors this procedure may answer beyond those of its builder (bad input,
   * authentication, the organization and its policy, the rate limit: see `procedureErrors`). The
   * OpenAPI document lists a response for each of their statuses, and the API's tests fail on a
   * code a procedure answers without declaring it.
   */
  errors?: readonly ErrorCode[];
  /**
   * Whose audit log a mutation's event goes to, when not the organization it is called in (the
   * caller's, or the one an internal call names). A test calls every mutation and reads the log
   * this names.
   * - `none`: the call changes only the caller's own account (their sessions, the organization
   *   they are in), so there is no organization's log it belongs in and it records nothing.
   * - `created-organization`: the log of the organization the call creates.
   * - `found-organization`: the log of the organization of what the call finds by itself rather
   *   than being told (an invitation's, from its token; the queued deployment a worker claims).
   */
  auditLog?: 'none' | 'created-organization' | 'found-organization';
  openapi?: {
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    /** False for procedures anyone may call (sign-up, sign-in). */
    protect?: boolean;
    successDescription?: string;
  };
};
