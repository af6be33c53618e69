import type { ErrorCode, ErrorDetails, PublicRouter, ValidationIssue } from '@strictops/api/sdk-types';
import { TRPCClientError } from '@trpc/client';

/**
 * Every code a call can fail with: each code the API answers (docs/error-codes.md), and the SDK's
 * own for a call that got no answer from the API: `NETWORK_ERROR` (no connection, or an answer that
 * is not the API's, such as a proxy's error page), `TIMEOUT` (`timeoutMs` passed) and `ABORTED`
 * (the caller's AbortSignal fired).
 */
export type StrictOpsErrorCode = ErrorCode | 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED';

export type StrictOpsValidationIssue = ValidationIssue;

/** The `details` each code carries; `undefined` for the codes that carry none. */
export type StrictOpsErrorDetails<C extends StrictOpsErrorCode> = C extends keyof ErrorDetails
  ? ErrorDetails[C]
  : undefined;

/** What the SDK knows of a failed call, beyond the API's error body. */
export type FailureFacts = {
  code: StrictOpsErrorCode;
  message: string;
  httpStatus?: number;
  requestId?: string;
  retryAfterSeconds?: number;
  field?: string;
  issues?: ValidationIssue[];
  details?: Record<string, unknown>;
  cause?: unknown;
};

const BRAND = Symbol.for('@strictops/sdk:StrictOpsError');

/**
 * The one error type the client throws. Branch on `code`, which is stable across releases; after
 * `isStrictOpsError(error) && error.code === 'RATE_LIMITED'`, `error.details` is typed for that code.
 */
export class StrictOpsError<C extends StrictOpsErrorCode = StrictOpsErrorCode> extends TRPCClientError<PublicRouter> {
  readonly code: C;
  /** The HTTP status of the answer, or 0 when there was none. */
  readonly httpStatus: number;
  /** The server's `x-request-id` for the request: quote it when you report a problem. */
  readonly requestId: string | undefined;
  /** When the API said to try again (Retry-After), in seconds. */
  readonly retryAfterSeconds: number | undefined;
  /** The input field that failed, as a dotted path (`email`, `limitOverrides.projects`). */
  readonly field: string | undefined;
  /** Every failed field of a validation error. */
  readonly issues: StrictOpsValidationIssue[];
  /** The facts this code carries (a limit and its usage, the problems of a strictops.yml, …). */
  readonly details: StrictOpsErrorDetails<C> | undefined;
  readonly [BRAND] = true;

  constructor(facts: FailureFacts & { code: C }, original?: TRPCClientError<PublicRouter>) {
    super(facts.message, {
      result: original?.shape ? { error: original.shape } : undefined,
      cause: (facts.cause ?? original) as Error | undefined,
      meta: original?.meta,
    });
    // TRPCClientError's constructor sets the prototype to its own, which would make every
    // StrictOpsError fail `instanceof StrictOpsError`. Restore ours.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'StrictOpsError';
    this.code = facts.code;
    this.httpStatus = facts.httpStatus ?? 0;
    this.requestId = facts.requestId;
    this.retryAfterSeconds = facts.retryAfterSeconds;
    this.field = facts.field;
    this.issues = facts.issues ?? [];
    this.details = facts.details as StrictOpsErrorDetails<C> | undefined;
  }
}

/** A StrictOpsError of any code, as a union that narrows on `code`. */
export type AnyStrictOpsError = { [C in StrictOpsErrorCode]: StrictOpsError<C> }[StrictOpsErrorCode];

/** True for errors the SDK threw, from either of its builds (ESM and CommonJS) in one process. */
export function isStrictOpsError(error: unknown): error is AnyStrictOpsError {
  return (
    error instanceof StrictOpsError ||
    (typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true)
  );
}
