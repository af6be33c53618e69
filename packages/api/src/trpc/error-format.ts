import { TRPCError } from '@trpc/server';
import type { DefaultErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { AppError, type ErrorCode, httpStatusOf } from '../errors.ts';

export type ValidationIssue = { path: string; message: string; code: string };

export type ApiErrorData = DefaultErrorShape['data'] & {
  /** The stable StrictOps error code (`EMAIL_TAKEN`, `VALIDATION_FAILED`, …). */
  errorCode: ErrorCode;
  /** The input field that failed, as a dotted path. */
  field?: string;
  issues?: ValidationIssue[];
  details?: Record<string, unknown>;
};

/** Every error body, over tRPC and REST: named, so the SDK's declarations carry it once. */
export type ApiErrorShape = Omit<DefaultErrorShape, 'data'> & { data: ApiErrorData };

type StandardIssue = {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message: string;
  code?: string;
  keys?: string[];
};

const joinPath = (path: StandardIssue['path'] = [], ...more: string[]) =>
  [...path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)), ...more].join('.');

/** The failed fields of a validation error (a Standard Schema failure such as zod's), or undefined. */
export function validationIssues(cause: unknown): ValidationIssue[] | undefined {
  if (!cause || typeof cause !== 'object' || !('issues' in cause) || !Array.isArray(cause.issues)) return undefined;
  return (cause.issues as StandardIssue[]).flatMap((issue) =>
    // An unknown field is reported at its own path, so the client can point at it.
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({
          path: joinPath(issue.path, key),
          message: 'Unknown field',
          code: 'unrecognized_keys',
        }))
      : [{ path: joinPath(issue.path), message: issue.message, code: issue.code ?? 'invalid' }],
  );
}

/** Drops undefined members, so they do not travel as noise in superjson's metadata. */
const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Turns any thrown AppError into a TRPCError with the status its code maps to. */
export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: error.trpcCode, message: error.message, cause: error });
}

/** The single place where errors become what clients see, over tRPC and REST alike. */
export function formatError({ shape, error }: { shape: DefaultErrorShape; error: TRPCError }): ApiErrorShape {
  const cause = error.cause;
  const { stack: _stack, ...data } = shape.data;
  if (cause instanceof AppError) {
    return {
      ...shape,
      data: defined({
        ...data,
        httpStatus: httpStatusOf(cause.code),
        errorCode: cause.code,
        field: cause.field,
        details: cause.details,
      } satisfies ApiErrorData),
    };
  }
  const issues = error.code === 'BAD_REQUEST' ? validationIssues(cause) : undefined;
  if (issues) {
    return {
      ...shape,
      message: `Invalid input: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      data: defined({ ...data, errorCode: 'VALIDATION_FAILED', field: issues[0]?.path, issues } satisfies ApiErrorData),
    };
  }
  const errorCode = TRPC_TO_ERROR_CODE[error.code] ?? 'INTERNAL';
  return {
    ...shape,
    // An unexpected failure says nothing about its internals; the log has them.
    message: errorCode === 'INTERNAL' ? 'Internal server error' : shape.message,
    data: { ...data, errorCode } satisfies ApiErrorData,
  };
}

const TRPC_TO_ERROR_CODE: Partial<Record<TRPCError['code'], ErrorCode>> = {
  BAD_REQUEST: 'VALIDATION_FAILED',
  PARSE_ERROR: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
};
