import { createPrivateKey } from 'node:crypto';
import type { GithubAppSettings } from '@strictops/api';
import type { DatabaseTimeouts } from '@strictops/db';
import { z } from 'zod';
import { parseServiceTokens, type ServiceCredential } from './service-credentials.ts';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
      message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    })
    .optional();

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DATABASE_OWNER_URL: optionalUrl(['postgres:', 'postgresql:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  STRICTOPS_DATA_DIR: z.string().trim().min(1).optional(),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  SMTP_URL: optionalUrl(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().trim().min(3).max(320).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds(3000),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(5000),
  DATABASE_LOCK_TIMEOUT_MS: milliseconds(3000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: milliseconds(15_000),
  DATABASE_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  REDIS_COMMAND_TIMEOUT_MS: milliseconds(500),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  STRICTOPS_SERVICE_TOKENS: z
    .string()
    .trim()
    .transform((text, context) => {
      const parsed = parseServiceTokens(text);
      if ('credentials' in parsed) return parsed.credentials;
      for (const message of parsed.problems) context.addIssue({ code: 'custom', message });
      return z.NEVER;
    })
    .optional(),
  STRICTOPS_AWS_ACCOUNT_ID: z
    .string()
    .trim()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  STRICTOPS_AWS_TEMPLATE_URL: optionalUrl(['https:']),
  AWS_REGION: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
    .default('us-east-1'),
  GITHUB_APP_ID: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, 'must be the GitHub App’s numeric id')
    .optional(),
  GITHUB_APP_SLUG: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be the GitHub App’s URL name (github.com/apps/<slug>)')
    .optional(),
  GITHUB_APP_PRIVATE_KEY: z
    .string()
    .trim()
    // Environment files often hold a PEM on one line with literal \n.
    .transform((value) => value.replaceAll('\\n', '\n'))
    .refine(
      (value) => {
        try {
          createPrivateKey(value);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be the GitHub App’s private key (PEM)' },
    )
    .optional(),
  GITHUB_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  GITHUB_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.]{8,64}$/, 'must be the GitHub App’s client id (Iv…)')
    .optional(),
  GITHUB_CLIENT_SECRET: z.string().trim().min(20, 'must be the GitHub App’s client secret').optional(),
  GITHUB_API_URL: optionalUrl(['https:']),
  GITHUB_URL: optionalUrl(['https:']),
  STRICTOPS_APP_URL: optionalUrl(['http:', 'https:']),
  STRICTOPS_SECRETS_KEY: z
    .string()
    .trim()
    .refine((value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32, {
      message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
    })
    .transform((value) => Buffer.from(value, 'base64'))
    .optional(),
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(true|false|[\d.:/a-fA-F, ]+)$/, 'must be true, false or a comma-separated list of proxy addresses')
    .optional(),
});

/** Every environment variable the server reads: each one is documented in docs/operations.md. */
export const CONFIGURATION_VARIABLES = Object.keys(EnvSchema.shape);

export type ServerConfig = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Unset: the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  /** Who runs migrations, when DATABASE_URL logs in as the application role itself. */
  databaseOwnerUrl: string | undefined;
  databasePoolSize: number;
  /** Bounds on every wait for PostgreSQL (see DatabaseTimeouts). */
  databaseTimeouts: DatabaseTimeouts;
  /** How long the server waits at start for its database to answer before it gives up. */
  databaseWaitSeconds: number;
  redisUrl: string | undefined;
  /** False (`RATE_LIMITS=off`): no request is counted or refused; for benchmarks and local development only. */
  rateLimits: boolean;
  /** A Redis command unanswered after this long is counted by the in-memory limiter instead. */
  redisCommandTimeoutMs: number;
  /** Bearer token that /metrics requires; unset: /metrics is not served. */
  metricsToken: string | undefined;
  /** On SIGTERM, the longest the server waits for its connections to end before it stops accepting. */
  shutdownDrainMs: number;
  dataDir: string | undefined;
  /** The origin browsers use to reach this server; cookie-authenticated mutations must come from it. */
  publicUrl: string;
  logLevel: string;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (rate limits per IP): none
   * by default, so a forged header never changes whose counter a request uses.
   */
  trustProxy: boolean | string;
  /** StrictOps's own AWS account, which customers' roles trust; unset: AWS connections are unavailable. */
  aws: { accountId: string; region: string; templateUrl?: string } | undefined;
  /** The StrictOps GitHub App; unset: GitHub installations are unavailable. */
  github: GithubAppSettings | undefined;
  /** The web app, where the GitHub setup redirect sends the browser on; unset: it answers JSON. */
  appUrl: string | undefined;
  /** Seals alert channels' secrets; unset: a key kept beside the embedded database (see secrets-key.ts). */
  secretsKey: Buffer | undefined;
  /** Internal services and the SHA-256 of each secret of theirs; what each may call is in the policy. */
  serviceCredentials: ServiceCredential[];
  /** Unset: invitation emails are written to the log instead of sent. */
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  /** Session cookies are Secure everywhere except plain-http local development. */
  secureCookies: boolean;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = z.infer<typeof EnvSchema>;

/** The environment checked against the schema, every bad variable named in one message. */
function parseEnv(env: NodeJS.ProcessEnv): Env {
  // An empty variable (`DATABASE_URL=`) means unset, as in most shells' and tools' conventions.
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** The GitHub App's settings: all of them or none, never a half-configured App. */
function githubSettings(e: Env): GithubAppSettings | undefined {
  const githubParts = {
    GITHUB_APP_ID: e.GITHUB_APP_ID,
    GITHUB_APP_SLUG: e.GITHUB_APP_SLUG,
    GITHUB_APP_PRIVATE_KEY: e.GITHUB_APP_PRIVATE_KEY,
    GITHUB_WEBHOOK_SECRET: e.GITHUB_WEBHOOK_SECRET,
    GITHUB_CLIENT_ID: e.GITHUB_CLIENT_ID,
    GITHUB_CLIENT_SECRET: e.GITHUB_CLIENT_SECRET,
  };
  const missingGithub = Object.entries(githubParts).filter(([, value]) => !value);
  if (missingGithub.length > 0 && missingGithub.length < Object.keys(githubParts).length) {
    throw new ConfigError(
      `Invalid configuration:\n  the GitHub App settings go together: set ${Object.keys(githubParts).join(', ')}, or none (missing: ${missingGithub.map(([name]) => name).join(', ')})`,
    );
  }
  return e.GITHUB_APP_ID &&
    e.GITHUB_APP_SLUG &&
    e.GITHUB_APP_PRIVATE_KEY &&
    e.GITHUB_WEBHOOK_SECRET &&
    e.GITHUB_CLIENT_ID &&
    e.GITHUB_CLIENT_SECRET
    ? {
        appId: e.GITHUB_APP_ID,
        slug: e.GITHUB_APP_SLUG,
        privateKey: e.GITHUB_APP_PRIVATE_KEY,
        webhookSecret: e.GITHUB_WEBHOOK_SECRET,
        clientId: e.GITHUB_CLIENT_ID,
        clientSecret: e.GITHUB_CLIENT_SECRET,
        apiUrl: e.GITHUB_API_URL?.replace(/\/+$/, ''),
        webUrl: e.GITHUB_URL?.replace(/\/+$/, ''),
      }
    : undefined;
}

/** Reads the environment once at start; every bad variable is named in one message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const e = parseEnv(env);
  const github = githubSettings(e);
  if (e.RATE_LIMITS === 'off' && e.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration:\n  RATE_LIMITS: off is for benchmarks and local development, never with NODE_ENV=production',
    );
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseTimeouts: {
      connectMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      lockMs: e.DATABASE_LOCK_TIMEOUT_MS,
      idleInTransactionMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    databaseWaitSeconds: e.DATABASE_WAIT_SECONDS,
    redisUrl: e.REDIS_URL,
    rateLimits: e.RATE_LIMITS === 'on',
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    dataDir: e.STRICTOPS_DATA_DIR,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    aws: e.STRICTOPS_AWS_ACCOUNT_ID
      ? { accountId: e.STRICTOPS_AWS_ACCOUNT_ID, region: e.AWS_REGION, templateUrl: e.STRICTOPS_AWS_TEMPLATE_URL }
      : undefined,
    github,
    appUrl: e.STRICTOPS_APP_URL?.replace(/\/+$/, ''),
    secretsKey: e.STRICTOPS_SECRETS_KEY,
    serviceCredentials: e.STRICTOPS_SERVICE_TOKENS ?? [],
    trustProxy:
      e.TRUST_PROXY === undefined || e.TRUST_PROXY === 'false' ? false : e.TRUST_PROXY === 'true' || e.TRUST_PROXY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    secureCookies: e.NODE_ENV === 'production' || publicUrl.startsWith('https:'),
  };
}

/** For entry points: the configuration, or a message naming every bad variable and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
