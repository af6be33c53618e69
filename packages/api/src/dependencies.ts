import type { Orm } from '@strictops/db';
import type { SecretBox } from './alert-channels/secret-box.ts';
import type { GithubAppSettings } from './github-installations/github-app.ts';
import type { Mailer } from './invitations/mailer.ts';
import type { RateLimits } from './rate-limits/rate-limits.ts';

/**
 * What the API is given when the server starts: the database, the rate limiter, the mailer, the
 * secret box and the settings of each integration. Procedures find these on their context; features
 * read their own settings type from here.
 */
export type ApiDependencies = {
  orm: Orm;
  /** Per-organization rate limits (SPEC §6). Absent: no limits. */
  rateLimits?: RateLimits;
  /** Delivers invitations; unset: `fallbackMailer()` (the log). */
  mailer?: Mailer;
  /** Internal services (deploy workers, billing): a name and the SHA-256 of its secret each. */
  serviceCredentials?: ServiceCredential[];
  /** StrictOps's own AWS identity, which customers' roles trust. Unset: AWS connections are unavailable. */
  aws?: AwsSettings;
  /** Seals and opens alert channels' secrets (STRICTOPS_SECRETS_KEY). */
  secrets: SecretBox;
  /** The StrictOps GitHub App. Unset: GitHub installations are unavailable. */
  github?: GithubAppSettings;
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
