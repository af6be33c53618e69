import { createAlertDispatcher, createMailer, createSecretBox, RateLimits } from '@strictops/api';
import { DatabaseUnreachableError, DataFolderInUseError } from '@strictops/db';
import { buildApp } from './app.ts';
import { ConfigError, loadConfigOrExit } from './config.ts';
import { openServerDatabase } from './database.ts';
import { createLogger } from './logger.ts';
import { resolveSecretsKey } from './secrets-key.ts';

const config = loadConfigOrExit();
const { logger, flush: flushLog } = createLogger(config.logLevel);
const log = (message: string) => logger.info(message);
/** Reasons not to start that the operator can act on: one line on stderr, no stack trace. */
const refuseToStart = (message: string): never => {
  flushLog();
  console.error(message);
  process.exit(1);
};
const secrets = createSecretBox(
  await resolveSecretsKey(config, log).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    return refuseToStart(error.message);
  }),
);

const database = await openServerDatabase(config, {
  info: log,
  warn: (message) => logger.warn(message),
}).catch((error: unknown) => {
  if (!(error instanceof DataFolderInUseError || error instanceof DatabaseUnreachableError)) throw error;
  return refuseToStart(error.message);
});
// Without SMTP_URL the mailer writes each invitation to the server log.
const mailer = await createMailer({
  smtpUrl: config.smtpUrl,
  publicUrl: config.publicUrl,
  from: config.mailFrom,
  log: (message, fields) => logger.info(fields, message),
});
// RATE_LIMITS=off (refused in production): nothing is counted, for benchmarks and local development.
const rateLimits = config.rateLimits
  ? new RateLimits({ redisUrl: config.redisUrl, commandTimeoutMs: config.redisCommandTimeoutMs })
  : undefined;
const app = await buildApp({
  config,
  dependencies: {
    orm: database.orm,
    mailer,
    secrets,
    rateLimits,
    serviceCredentials: config.serviceCredentials,
    aws: config.aws,
    github: config.github,
  },
  logger,
});
if (!config.smtpUrl) app.log.warn('SMTP_URL is unset: emails are written to this log, not sent');
// Sends the alerts that failed deployments write to the outbox (every server runs one; they share the work).
const alerts = createAlertDispatcher({
  orm: database.orm,
  mailer,
  secrets,
  log: (message, fields) => app.log.warn(fields, message),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down: finishing in-flight requests');
  // First a drain: requests already sent (on keep-alive connections, or waiting to be read) are
  // still read and answered, each with `connection: close`, quiet connections are ended, and
  // /readyz says 503, so clients and the load balancer move on. Then close() stops accepting
  // connections and resolves once any request still in flight has been answered.
  await app.drain({ maxMs: config.shutdownDrainMs });
  await app.close();
  await alerts.stop();
  await rateLimits?.close();
  await database.close();
  flushLog();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

await app.listen({ port: config.port, host: config.host });
alerts.start();
app.log.info(`StrictOps API on ${config.publicUrl} (docs at ${config.publicUrl}/docs)`);
