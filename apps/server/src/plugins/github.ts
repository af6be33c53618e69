import {
  type ApiDependencies,
  AppError,
  appRouter,
  createCallerFactory,
  handleGithubWebhook,
  peekInstallState,
} from '@strictops/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { contextFromRequest } from '../request-context.ts';
import { failureOf, logUpstreamFailure, sendCallFailure } from './errors.ts';
import { noteForLog, requestLogNotes } from './request-log.ts';

const createCaller = createCallerFactory(appRouter);

/** GitHub sends webhook payloads of up to 25 MB. */
export const GITHUB_WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

type GithubRoutesOptions = { dependencies: ApiDependencies; config: ServerConfig };

/**
 * GitHub's two ways in. Both hand over to the API at once: the setup redirect to the
 * `githubInstallations.completeInstall` procedure (as the signed-in admin, in the organization the
 * state names), the webhook to `handleGithubWebhook`. Neither decides anything here.
 */
export async function githubPlugin(app: FastifyInstance, options: GithubRoutesOptions) {
  // The App's "Callback URL": with "Request user authorization (OAuth) during installation" on,
  // GitHub sends the admin's browser here after an install (with the state and an OAuth code) or a
  // configuration change.
  app.get('/integrations/github/setup', { schema: { hide: true } }, (request, reply) =>
    handleSetupRedirect(request, reply, options),
  );
  await app.register(async (webhooks) => registerWebhookRoute(webhooks, options.dependencies));
}

/** Where the browser goes next: the web app when configured, else a JSON answer. */
function finishSetup(reply: FastifyReply, config: ServerConfig, outcome: Record<string, string>, status = 200) {
  if (config.appUrl) {
    const url = new URL(`${config.appUrl}/settings/integrations`);
    for (const [key, value] of Object.entries(outcome)) url.searchParams.set(`github_${key}`, value);
    return reply.redirect(url.toString(), 303);
  }
  return reply.code(status).send(outcome);
}

type SetupQuery = Record<string, string | undefined>;

async function handleSetupRedirect(request: FastifyRequest, reply: FastifyReply, options: GithubRoutesOptions) {
  const { config } = options;
  const query = request.query as SetupQuery;
  // An organization member who may not install asked their GitHub owner to: nothing exists yet.
  if (query.setup_action === 'request') return finishSetup(reply, config, { status: 'requested' }, 202);
  // A change made on GitHub (repositories added or removed): no install link started it, so no
  // state says whose it is, and the webhooks have already brought the change here.
  if (query.setup_action === 'update' && !query.state) return finishSetup(reply, config, { status: 'updated' });
  // The installer declined to authorize StrictOps on GitHub's consent page: nothing to link.
  if (query.error) {
    const declined = new AppError(
      'GITHUB_AUTHORIZATION_DENIED',
      'StrictOps was not authorized on GitHub, so the installation could not be confirmed: install again and authorize',
      { field: 'code' },
    );
    return config.appUrl
      ? finishSetup(reply, config, { status: 'error', error: declined.code })
      : sendCallFailure(request, reply, declined);
  }
  return completeInstallFromRedirect(request, reply, options, query);
}

/** Hands the redirect to `githubInstallations.completeInstall`, as the signed-in admin. */
async function completeInstallFromRedirect(
  request: FastifyRequest,
  reply: FastifyReply,
  { dependencies, config }: GithubRoutesOptions,
  query: SetupQuery,
) {
  const state = query.state ?? '';
  const context = contextFromRequest(dependencies, config, request, reply);
  // The state names the organization; the procedure checks it (MAC, expiry, this admin) before use.
  context.request.organization = peekInstallState(state);
  try {
    const installation = await createCaller(context).githubInstallations.completeInstall({
      installationId: query.installation_id as never,
      state,
      code: query.code as never,
    });
    return finishSetup(reply, config, {
      status: 'connected',
      installation: installation.id,
      account: installation.accountLogin,
    });
  } catch (error) {
    if (config.appUrl) {
      if (!failureOf(error)) noteForLog(request, { err: error, event: 'GitHub setup failed' });
      logUpstreamFailure(requestLogNotes(request), failureOf(error));
      return finishSetup(reply, config, { status: 'error', error: failureOf(error)?.errorCode ?? 'INTERNAL' });
    }
    return sendCallFailure(request, reply, error);
  }
}

/** Webhooks are verified over their exact bytes, so this route, in its own scope, keeps the body raw. */
function registerWebhookRoute(webhooks: FastifyInstance, dependencies: ApiDependencies) {
  webhooks.removeContentTypeParser('application/json');
  webhooks.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: GITHUB_WEBHOOK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  webhooks.post(
    '/webhooks/github',
    { schema: { hide: true }, bodyLimit: GITHUB_WEBHOOK_BODY_LIMIT },
    async (request, reply) => {
      try {
        const outcome = await handleGithubWebhook(dependencies, {
          rawBody: request.body as Buffer,
          signature: header(request, 'x-hub-signature-256'),
          deliveryId: header(request, 'x-github-delivery'),
          event: header(request, 'x-github-event'),
          origin: { ip: request.ip ?? null, userAgent: header(request, 'user-agent') ?? null, requestId: request.id },
        });
        return reply.send({ outcome });
      } catch (error) {
        return sendCallFailure(request, reply, error);
      }
    },
  );
}
