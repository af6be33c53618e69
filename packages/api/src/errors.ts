import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * Every error a caller can cause, with its stable code. The code is the contract: clients branch on
 * it, so a code is never renamed or reused. The transport status comes from this table alone.
 */
const ERRORS = {
  VALIDATION_FAILED: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  PERMISSION_DENIED: 'FORBIDDEN',
  TOKEN_NOT_ALLOWED: 'FORBIDDEN',
  CREDENTIALS_IN_URL: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  ORGANIZATION_NOT_FOUND: 'NOT_FOUND',
  SESSION_NOT_FOUND: 'NOT_FOUND',
  EMAIL_TAKEN: 'CONFLICT',
  SLUG_TAKEN: 'CONFLICT',
  CONFLICT: 'CONFLICT',
  FEATURE_NOT_IN_TIER: 'PAYMENT_REQUIRED',
  LIMIT_REACHED: 'PAYMENT_REQUIRED',
  PROJECT_NOT_FOUND: 'NOT_FOUND',
  ENVIRONMENT_NOT_FOUND: 'NOT_FOUND',
  DEPLOYMENT_NOT_FOUND: 'NOT_FOUND',
  DEPLOYMENTS_RUNNING: 'CONFLICT',
  INVALID_CONFIG: 'UNPROCESSABLE_CONTENT',
  IDEMPOTENCY_KEY_REUSED: 'UNPROCESSABLE_CONTENT',
  INVALID_TRANSITION: 'CONFLICT',
  STACK_LIMIT_EXCEEDED: 'UNPROCESSABLE_CONTENT',
  RESOURCE_MOVE_UNCONFIRMED: 'CONFLICT',
  ALERT_NOT_FOUND: 'NOT_FOUND',
  ALERT_RESOLVED: 'CONFLICT',
  AWS_CONNECTION_NOT_FOUND: 'NOT_FOUND',
  AWS_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  AWS_UNAVAILABLE: 'BAD_GATEWAY',
  ROLE_ALREADY_CONNECTED: 'CONFLICT',
  CONNECTION_IN_USE: 'CONFLICT',
  CONNECTION_NOT_VERIFIED: 'PRECONDITION_FAILED',
  UNSAFE_URL: 'BAD_REQUEST',
  ALERT_CHANNEL_NOT_FOUND: 'NOT_FOUND',
  CHANNEL_NAME_TAKEN: 'CONFLICT',
  ALERT_TEST_BUSY: 'TOO_MANY_REQUESTS',
  GITHUB_NOT_CONFIGURED: 'PRECONDITION_FAILED',
  GITHUB_INSTALLATION_NOT_FOUND: 'NOT_FOUND',
  INSTALLATION_ALREADY_LINKED: 'CONFLICT',
  INSTALLATION_SUSPENDED: 'PRECONDITION_FAILED',
  INSTALL_STATE_INVALID: 'BAD_REQUEST',
  INSTALL_STATE_EXPIRED: 'BAD_REQUEST',
  GITHUB_AUTHORIZATION_INVALID: 'BAD_REQUEST',
  INSTALLATION_NOT_CONTROLLED: 'FORBIDDEN',
  GITHUB_AUTHORIZATION_DENIED: 'BAD_REQUEST',
  GITHUB_UNAVAILABLE: 'BAD_GATEWAY',
  WEBHOOK_SIGNATURE_INVALID: 'UNAUTHORIZED',
  MEMBER_NOT_FOUND: 'NOT_FOUND',
  ALREADY_MEMBER: 'CONFLICT',
  LAST_ADMIN: 'CONFLICT',
  CONFIRMATION_MISMATCH: 'BAD_REQUEST',
  INVITATION_NOT_FOUND: 'NOT_FOUND',
  INVITATION_PENDING: 'CONFLICT',
  INVITATION_EXPIRED: 'PRECONDITION_FAILED',
  INVITATION_REVOKED: 'PRECONDITION_FAILED',
  INVITATION_ALREADY_ACCEPTED: 'CONFLICT',
  INVITATION_EMAIL_MISMATCH: 'FORBIDDEN',
  MAIL_DELIVERY_FAILED: 'BAD_GATEWAY',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<string, TRPC_ERROR_CODE_KEY>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export type AppErrorOptions = {
  /** The input field that failed, as a dotted path (`email`, `members.0.role`). */
  field?: string;
  /** Extra facts a client may show or act on (a limit and its usage, say). */
  details?: Record<string, unknown>;
  /** When a retry may succeed: sent as `Retry-After` and as `details.retryAfterSeconds`. */
  retryAfterSeconds?: number;
  cause?: unknown;
};

/** The one error type services throw. Mapped to tRPC and HTTP once, in the error formatter. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details =
      options.retryAfterSeconds === undefined
        ? options.details
        : { ...options.details, retryAfterSeconds: options.retryAfterSeconds };
  }

  get trpcCode(): TRPC_ERROR_CODE_KEY {
    return ERRORS[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
