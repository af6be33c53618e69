export { type AlertDispatcher, createAlertDispatcher } from './alert-channels/dispatcher.ts';
export { createSecretBox, newSecretsKey, type SecretBox } from './alert-channels/secret-box.ts';
export { type PurgeReport, purgeExpiredAuditEvents } from './audit/audit-retention.service.ts';
export { SESSION_COOKIE, SESSION_LIFETIME } from './auth/session-store.ts';
export type { ApiDependencies, AwsSettings, ServiceCredential } from './dependencies.ts';
export { DOMAIN_SCHEMAS } from './domain-schemas.ts';
export { ENTITLEMENTS, type Entitlements, entitlementsOf } from './entitlements/entitlements.ts';
export {
  AppError,
  codesWithStatus,
  descriptionOf,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetails,
  type ErrorStatus,
  httpStatusOf,
  TRPC_CODE_BY_STATUS,
  trpcCodeOf,
} from './errors.ts';
export type { GithubAppSettings } from './github-installations/github-app.ts';
export { peekInstallState } from './github-installations/signatures.ts';
export { type GithubDelivery, handleGithubWebhook, type WebhookOutcome } from './github-installations/webhooks.ts';
export {
  createMailer,
  createMemoryMailer,
  type Mailer,
  type OutgoingMail,
} from './invitations/mailer.ts';
export {
  can,
  isServiceName,
  PERMISSION_SCOPE,
  type Permission,
  POLICY,
  SERVICE_NAMES,
  type ServiceName,
} from './policy.ts';
export { type CallerKind, callerKindOf, procedureErrors } from './procedure-errors.ts';
export { AUTH_PER_MINUTE, PER_MINUTE, RATE_CLASSES, type RateClass, RateLimits } from './rate-limits/rate-limits.ts';
export { type AppRouter, appRouter } from './root.ts';
export { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, isLockConflict } from './shared/database-errors.ts';
export { sha256Hex } from './shared/hashing.ts';
export { type Context, createContext, type RequestInfo, type ResponseControl } from './trpc/context.ts';
export { type ApiErrorData, type ApiErrorShape, type ValidationIssue, validationIssues } from './trpc/error-format.ts';
export { domainErrorOf } from './trpc/error-mapping.ts';
export { createCallerFactory } from './trpc/init.ts';
export { MAX_INPUT_DEPTH, unstorableInput } from './trpc/input-hygiene.ts';
export type { ProcedureMeta } from './trpc/meta.ts';
export { rateClassOf } from './trpc/rate-limit.ts';
