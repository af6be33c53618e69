import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { CountedLimit } from './entitlements/usage.ts';
import type { RateClass } from './rate-limits/rate-limits.ts';

/** The HTTP statuses the API answers errors with, each with the one tRPC code that carries it. */
export const TRPC_CODE_BY_STATUS = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
} as const satisfies Record<number, TRPC_ERROR_CODE_KEY>;

export type ErrorStatus = keyof typeof TRPC_CODE_BY_STATUS;

type ErrorEntry = { status: ErrorStatus; description: string };

/**
 * Every error the API answers, with its stable code, its one HTTP status and what it means. The
 * code is the contract: clients branch on it, so a code is never renamed or reused. tRPC, the REST
 * adapter and the server's own routes all take the status from this table (`httpStatusOf`), and
 * docs/error-codes.md is generated from it.
 */
const ERRORS = {
  VALIDATION_FAILED: {
    status: 400,
    description:
      'The input is malformed or breaks a rule (type, length, format, an unknown field, a NUL character, nesting too deep). `field` names the first failed field; `issues` lists every one.',
  },
  CREDENTIALS_IN_URL: {
    status: 400,
    description: 'A credential was sent in the query string. Send it in the `Authorization` header.',
  },
  UNSAFE_URL: {
    status: 400,
    description:
      'A URL points somewhere the API will not send to (a private, link-local or metadata address, or not https).',
  },
  INSTALL_STATE_INVALID: {
    status: 400,
    description: 'The GitHub install state is not one this API issued for this organization and administrator.',
  },
  INSTALL_STATE_EXPIRED: { status: 400, description: 'The GitHub install link is older than it may be: start again.' },
  GITHUB_AUTHORIZATION_INVALID: {
    status: 400,
    description: 'GitHub refused the OAuth code of the install redirect (used already, or made up).',
  },
  GITHUB_AUTHORIZATION_DENIED: {
    status: 400,
    description: 'The installer declined to authorize StrictOps on GitHub, so the installation cannot be confirmed.',
  },
  CONFIRMATION_MISMATCH: { status: 400, description: 'The confirmation typed (the slug) does not match.' },
  UNAUTHENTICATED: {
    status: 401,
    description:
      'No valid credential: send a session token, the session cookie or an API token (or a service credential for `internal.*`).',
  },
  INVALID_CREDENTIALS: { status: 401, description: 'The email and password do not match an account.' },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    description: 'A webhook delivery is not signed with the configured secret.',
  },
  FEATURE_NOT_IN_TIER: {
    status: 402,
    description: 'The organization’s tier does not include this feature. `details` names the feature and the tier.',
  },
  LIMIT_REACHED: {
    status: 402,
    description:
      'The organization’s tier allows no more of this. `details` has the limit, its maximum, the usage and the tier; nothing was changed.',
  },
  PERMISSION_DENIED: {
    status: 403,
    description:
      'Your role (or your API token’s scopes) does not allow this. The attempt is recorded in the audit log.',
  },
  TOKEN_NOT_ALLOWED: {
    status: 403,
    description: 'This procedure needs a signed-in session: API tokens cannot sign in or out or manage sessions.',
  },
  INSTALLATION_NOT_CONTROLLED: {
    status: 403,
    description: 'The GitHub user who installed the App does not control the account it was installed on.',
  },
  INVITATION_EMAIL_MISMATCH: {
    status: 403,
    description: 'The invitation was sent to another email address than the signed-in user’s.',
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    description:
      'A change authenticated by the session cookie came without an `Origin` of this site. Browsers send it; scripts should use a bearer token.',
  },
  NOT_FOUND: { status: 404, description: 'Nothing answers at this path: no such route or procedure.' },
  ORGANIZATION_NOT_FOUND: {
    status: 404,
    description: 'The organization does not exist or you are not a member (the two are indistinguishable on purpose).',
  },
  SESSION_NOT_FOUND: { status: 404, description: 'The session does not exist or is not yours.' },
  PROJECT_NOT_FOUND: { status: 404, description: 'No such project in the organization.' },
  ENVIRONMENT_NOT_FOUND: { status: 404, description: 'No such environment in the project or organization.' },
  DEPLOYMENT_NOT_FOUND: { status: 404, description: 'No such deployment in the organization.' },
  ALERT_NOT_FOUND: { status: 404, description: 'No such monitoring alert in the organization.' },
  AWS_CONNECTION_NOT_FOUND: { status: 404, description: 'No such AWS connection in the organization.' },
  ALERT_CHANNEL_NOT_FOUND: { status: 404, description: 'No such alert channel in the organization.' },
  GITHUB_INSTALLATION_NOT_FOUND: {
    status: 404,
    description: 'No such GitHub installation in the organization, or GitHub no longer knows it.',
  },
  MEMBER_NOT_FOUND: { status: 404, description: 'No such membership in the organization.' },
  INVITATION_NOT_FOUND: { status: 404, description: 'No invitation has this id or token.' },
  API_TOKEN_NOT_FOUND: {
    status: 404,
    description: 'No such API token in the organization, or (for a member who may manage only their own) not yours.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The procedure exists but not with this HTTP method (a mutation called with GET).',
  },
  EMAIL_TAKEN: { status: 409, description: 'An account with this email exists already.' },
  SLUG_TAKEN: {
    status: 409,
    description: 'The slug is in use (organizations: anywhere; projects: in the organization).',
  },
  CONFLICT: {
    status: 409,
    description:
      'A concurrent change got in the way (or the database broke a lock cycle): nothing was changed, and the same request can be sent again.',
  },
  DEPLOYMENTS_RUNNING: {
    status: 409,
    description: 'Deployments are queued or in progress there. `details.running` counts them.',
  },
  RESOURCE_MOVE_UNCONFIRMED: {
    status: 409,
    description:
      'The stack strategy change moves stateful resources between live stacks (a CloudFormation import). `details` names them; confirm with `confirmResourceMoves`.',
  },
  ALERT_RESOLVED: { status: 409, description: 'The alert is resolved already: it cannot be acknowledged.' },
  INVALID_TRANSITION: {
    status: 409,
    description: 'The deployment cannot move from its status to the one asked for. `details` has both.',
  },
  ROLE_ALREADY_CONNECTED: { status: 409, description: 'Another connection of the organization uses this AWS role.' },
  CONNECTION_IN_USE: {
    status: 409,
    description: 'Projects use this AWS connection. `details.projects` names them.',
  },
  CHANNEL_NAME_TAKEN: { status: 409, description: 'The organization has an alert channel with this name.' },
  INSTALLATION_ALREADY_LINKED: {
    status: 409,
    description: 'The GitHub installation belongs to an organization already.',
  },
  ALREADY_MEMBER: { status: 409, description: 'The person is a member of the organization already.' },
  LAST_ADMIN: {
    status: 409,
    description: 'The organization would be left without a strictops_admin.',
  },
  INVITATION_PENDING: { status: 409, description: 'A pending invitation for this email exists: resend it instead.' },
  INVITATION_ALREADY_ACCEPTED: { status: 409, description: 'The invitation was accepted already.' },
  AWS_NOT_CONFIGURED: {
    status: 412,
    description: 'This server has no StrictOps AWS account configured, so AWS connections are unavailable.',
  },
  CONNECTION_NOT_VERIFIED: { status: 412, description: 'The AWS connection must be verified first.' },
  GITHUB_NOT_CONFIGURED: {
    status: 412,
    description: 'This server has no GitHub App configured, so GitHub installations are unavailable.',
  },
  INSTALLATION_SUSPENDED: { status: 412, description: 'The GitHub installation is suspended on GitHub.' },
  INVITATION_EXPIRED: { status: 412, description: 'The invitation has expired: ask for a new one.' },
  INVITATION_REVOKED: { status: 412, description: 'The invitation was revoked.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is larger than the API accepts (256 KiB).' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The body must be sent as `application/json` (a cookie-authenticated change always).',
  },
  INVALID_CONFIG: {
    status: 422,
    description: 'The strictops.yml has problems; `details.problems` lists each with its line and column.',
  },
  STACK_LIMIT_EXCEEDED: {
    status: 422,
    description:
      'The stack plan would break a CloudFormation limit (resources, outputs or parameters per stack, name lengths). `details.violations` lists each stack.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    description: 'The idempotency key was used before with a different request.',
  },
  RATE_LIMITED: {
    status: 429,
    description:
      'Too many requests of this class this minute. `Retry-After` and `details.retryAfterSeconds` say when to try again.',
  },
  ALERT_TEST_BUSY: {
    status: 429,
    description: 'Other test alerts are still being sent. `Retry-After` says when to try again.',
  },
  INTERNAL: { status: 500, description: 'Something failed on our side. The response says nothing more; the log does.' },
  AWS_UNAVAILABLE: {
    status: 502,
    description: 'AWS failed or throttled us (not your role refusing). Nothing was changed; try again.',
  },
  GITHUB_UNAVAILABLE: { status: 502, description: 'GitHub failed or refused our credentials. Try again later.' },
  MAIL_DELIVERY_FAILED: { status: 502, description: 'The mail relay refused or did not answer; nothing was sent.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    description:
      'The database could not be reached or answered in time: nothing was changed. `Retry-After` says when to try again.',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The HTTP status an error code is answered with: the one map every transport uses. */
export const httpStatusOf = (code: ErrorCode): ErrorStatus => ERRORS[code].status;
/** The tRPC code that carries an error code's HTTP status. */
export const trpcCodeOf = (code: ErrorCode): TRPC_ERROR_CODE_KEY => TRPC_CODE_BY_STATUS[httpStatusOf(code)];
/** What an error code means, for the documentation. */
export const descriptionOf = (code: ErrorCode): string => ERRORS[code].description;

/** The error codes answered with one HTTP status. */
export const codesWithStatus = (status: number): ErrorCode[] =>
  ERROR_CODES.filter((code) => httpStatusOf(code) === status);

type DeploymentStatusName = 'queued' | 'in_progress' | 'succeeded' | 'failed' | 'cancelled';
type TierName = 'FREE' | 'STARTER' | 'PROFESSIONAL' | 'ENTERPRISE';

/**
 * The `details` each code carries, checked where the error is raised and typed where a client reads
 * it. A code not listed here carries none.
 */
export type ErrorDetails = {
  RATE_LIMITED: { class: RateClass; limit: number; retryAfterSeconds: number };
  ALERT_TEST_BUSY: { retryAfterSeconds: number };
  SERVICE_UNAVAILABLE: { retryAfterSeconds: number };
  LIMIT_REACHED: { limit: CountedLimit; max: number; usage: number; tier: TierName };
  FEATURE_NOT_IN_TIER: { feature: string; tier: TierName };
  // A ConfigProblem of projects/strictops-yml.ts, spelled out so this table's types need no parser's.
  INVALID_CONFIG: { problems: { path: string; message: string; line: number | null; column: number | null }[] };
  DEPLOYMENTS_RUNNING: { running: number };
  CONNECTION_IN_USE: { projects: string[] };
  INVALID_TRANSITION: { from: DeploymentStatusName; to: DeploymentStatusName };
  // LimitViolation and PlanMove of stacks/, spelled out so this table's types need no planner's.
  STACK_LIMIT_EXCEEDED: {
    violations: { environment: string; stack: string; limit: string; max: number; actual: number }[];
  };
  RESOURCE_MOVE_UNCONFIRMED: {
    resources: string[];
    moves: {
      environment: string;
      item: 'resource' | 'service';
      name: string;
      kind: string;
      stateful: boolean;
      from: { stack: string; region: string };
      to: { stack: string; region: string };
    }[];
  };
};

/** The details type of one code: its entry above, or none. */
export type DetailsOf<C extends ErrorCode> = C extends keyof ErrorDetails ? ErrorDetails[C] : never;

/** The details a caller gives: all but `retryAfterSeconds`, which has an option of its own. */
type GivenDetails<C extends ErrorCode> = Omit<DetailsOf<C>, 'retryAfterSeconds'>;

type DetailsOption<C extends ErrorCode> = [DetailsOf<C>] extends [never]
  ? { details?: never }
  : [keyof GivenDetails<C>] extends [never]
    ? { details?: never }
    : { details: GivenDetails<C> };

type RetryOption<C extends ErrorCode> = [DetailsOf<C>] extends [never]
  ? { retryAfterSeconds?: never }
  : 'retryAfterSeconds' extends keyof DetailsOf<C>
    ? /** When a retry may succeed: sent as `Retry-After` and as `details.retryAfterSeconds`. */
      { retryAfterSeconds: number }
    : { retryAfterSeconds?: never };

export type AppErrorOptions<C extends ErrorCode = ErrorCode> = {
  /** The input field that failed, as a dotted path (`email`, `members.0.role`). */
  field?: string;
  cause?: unknown;
} & DetailsOption<C> &
  RetryOption<C>;

/** Options are required exactly when the code carries details. */
type OptionsArgument<C extends ErrorCode> = [DetailsOf<C>] extends [never]
  ? [options?: AppErrorOptions<C>]
  : [options: AppErrorOptions<C>];

/** The one error type services throw. Mapped to tRPC and HTTP once, through this module's table. */
export class AppError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly field: string | undefined;
  /** Typed per code where the error is raised (the constructor) and where a client reads it (the SDK). */
  readonly details: Record<string, unknown> | undefined;
  /** When a retry may succeed (also in `details`): the transports send it as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: C, message: string, ...[options]: OptionsArgument<C>) {
    super(message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options?.field;
    const given = options as { details?: Record<string, unknown>; retryAfterSeconds?: number } | undefined;
    this.retryAfterSeconds = given?.retryAfterSeconds;
    this.details =
      given?.retryAfterSeconds === undefined
        ? given?.details
        : { ...given.details, retryAfterSeconds: given.retryAfterSeconds };
  }

  get httpStatus(): ErrorStatus {
    return httpStatusOf(this.code);
  }

  get trpcCode(): TRPC_ERROR_CODE_KEY {
    return trpcCodeOf(this.code);
  }
}
