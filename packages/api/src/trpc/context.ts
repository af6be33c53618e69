import type { Orm } from '@strictops/db';
import type { RateLimits } from '../rate-limits/rate-limits.ts';

/** What the API needs to know about the HTTP request, without depending on the HTTP server. */
export type RequestInfo = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The secret from `Authorization: Bearer …`, if sent. */
  bearerToken: string | null;
  /** The secret from the session cookie, if sent. */
  cookieToken: string | null;
  /** `x-strictops-organization`: the organization (id or slug) the request acts on. */
  organization: string | null;
  /** `Idempotency-Key`: makes a retried creation return the first result. */
  idempotencyKey?: string | null;
};

/** What the API may do to the HTTP response. */
export type ResponseControl = {
  setSessionCookie(token: string, expiresAt: Date): void;
  clearSessionCookie(): void;
  /** Sets a response header (rate-limit headers, Retry-After). */
  setHeader(name: string, value: string): void;
};

export type ApiDependencies = {
  orm: Orm;
  /** Per-organization rate limits (SPEC §6). Absent: no limits (only for measuring their cost). */
  rateLimits?: RateLimits;
  /**
   * False skips setting the per-transaction variables that row-level security reads, leaving the
   * ORM filter alone. Only for measuring what RLS costs (the benchmark runs it against an owner
   * connection, which RLS does not bind); a server always runs with it on.
   */
  rowLevelSecurity?: boolean;
  /** Delivers invitations; unset: `fallbackMailer()` (the log). */
  mailer?: import('../invitations/mailer.ts').Mailer;
  /** Internal services (deploy workers, billing): a name and the SHA-256 of its secret each. */
  serviceCredentials?: ServiceCredential[];
  /** StrictOps's own AWS identity, which customers' roles trust. Unset: AWS connections are unavailable. */
  aws?: AwsSettings;
  /** Seals and opens alert channels' secrets (STRICTOPS_SECRETS_KEY). */
  secrets: import('../alert-channels/secret-box.ts').SecretBox;
  /** The StrictOps GitHub App. Unset: GitHub installations are unavailable. */
  github?: import('../github-installations/github-app.ts').GithubAppSettings;
};

export type AwsSettings = {
  /** The StrictOps AWS account customers' trust policies name. */
  accountId: string;
  region: string;
  /** The published quick-create template (an S3 URL); unset: the console link opens the create-stack page. */
  templateUrl?: string;
  /** Explicit credentials (tests); otherwise the AWS SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export type ServiceCredential = { name: string; secretSha256: string };

/**
 * The root tRPC context. `dependencies` is typed `unknown` here on purpose: this type is part of
 * `AppRouter`, which the published SDK's declarations inline, and naming MikroORM types here would
 * make every SDK consumer need @mikro-orm/* to type-check. `baseProcedure` narrows it once.
 */
export type Context = {
  request: RequestInfo;
  response: ResponseControl;
  dependencies: unknown;
};

export function createContext(dependencies: ApiDependencies, request: RequestInfo, response: ResponseControl): Context {
  return { request, response, dependencies };
}
