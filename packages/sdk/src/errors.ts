import type { AppRouter, ErrorCode } from '@strictops/api/sdk-types';
import { TRPCClientError } from '@trpc/client';

/** Every code the API returns, plus NETWORK_ERROR for a request that got no API answer at all. */
export type StrictOpsErrorCode = ErrorCode | 'NETWORK_ERROR';

export type StrictOpsValidationIssue = { path: string; message: string; code: string };

/** The one error type the client throws. Branch on `code`; it is stable across releases. */
export class StrictOpsError extends TRPCClientError<AppRouter> {
  readonly code: StrictOpsErrorCode;
  /** HTTP status of the answer (0 when there was none). */
  readonly status: number;
  /** The input field that failed, as a dotted path. */
  readonly field: string | undefined;
  readonly issues: StrictOpsValidationIssue[];
  readonly details: Record<string, unknown> | undefined;

  constructor(cause: TRPCClientError<AppRouter>) {
    super(cause.message, { result: cause.shape ? { error: cause.shape } : undefined, cause, meta: cause.meta });
    // TRPCClientError's constructor resets the prototype to its own, which would make every
    // StrictOpsError fail `instanceof StrictOpsError` (and so isStrictOpsError). Restore ours.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'StrictOpsError';
    const data = cause.data as
      | {
          errorCode?: ErrorCode;
          httpStatus?: number;
          field?: string;
          issues?: StrictOpsValidationIssue[];
          details?: Record<string, unknown>;
        }
      | null
      | undefined;
    this.code = data?.errorCode ?? 'NETWORK_ERROR';
    this.status = data?.httpStatus ?? 0;
    this.field = data?.field;
    this.issues = data?.issues ?? [];
    this.details = data?.details;
  }
}

export function isStrictOpsError(error: unknown): error is StrictOpsError {
  return error instanceof StrictOpsError;
}
