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
