import type { EntityManager } from '@mikro-orm/postgresql';
import { enterOrganization, GithubInstallation, type Orm } from '@strictops/db';
import { type AuditScope, type Changes, type RequestOrigin, recordAuditEvent } from '../audit/audit-writer.ts';
import { AppError } from '../errors.ts';
import type { GithubAppSettings, GithubInstallationInfo } from './github-app.ts';
import { applyInstallationInfo, requireGithub } from './github-installations.service.ts';
import { verifyWebhookSignature } from './signatures.ts';

export type GithubDelivery = {
  rawBody: Buffer;
  /** `X-Hub-Signature-256` */
  signature: string | undefined;
  /** `X-GitHub-Delivery`: GitHub's id of this delivery, the same on a redelivery. */
  deliveryId: string | undefined;
  /** `X-GitHub-Event` */
  event: string | undefined;
  origin: RequestOrigin;
};

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

type Payload = {
  action?: string;
  installation?: GithubInstallationInfo;
  repository_selection?: string;
  repositories_added?: { full_name: string }[];
  repositories_removed?: { full_name: string }[];
  sender?: { login?: string };
};

type InstallationEvent = 'installation' | 'installation_repositories';

/**
 * One GitHub webhook delivery. The signature is checked over the raw bytes before anything is
 * parsed; the delivery id is recorded in the same transaction as the change it causes, so a
 * redelivery (or a concurrent duplicate) changes nothing, and a failed one can be redelivered.
 */
export async function handleGithubWebhook(
  deps: { orm: Orm; github?: GithubAppSettings },
  delivery: GithubDelivery,
): Promise<WebhookOutcome> {
  const { deliveryId, event, payload, installationId } = await readDelivery(requireGithub(deps.github), delivery);
  return (deps.orm.em.fork() as EntityManager).transactional(async (em) => {
    const firstTime = await recordDelivery(em, { deliveryId, event, action: payload.action, installationId });
    if (!firstTime) return 'duplicate';
    if (installationId === null || !(event === 'installation' || event === 'installation_repositories')) {
      return 'ignored';
    }
    const linked = await findLinkedInstallation(em, installationId);
    if (!linked) return 'ignored';
    const { organizationId, installation } = linked;
    // Named as it was before the event changes it.
    const target = { type: 'github_installation', id: installation.id, display: installation.accountLogin };
    const action = event === 'installation' ? payload.action : `repositories_${payload.action}`;
    if (!applyInstallationAction(em, installation, action, payload)) return 'ignored';
    await em.flush();
    const audit: AuditScope = {
      organizationId,
      actor: { type: 'system', id: 'github', display: `GitHub (${payload.sender?.login ?? 'webhook'})` },
      origin: delivery.origin,
    };
    await recordAuditEvent(em, audit, {
      action: `github_installation.${action === 'deleted' ? 'uninstalled' : action}`,
      target,
      changes: auditedChanges(event, action, installation, payload),
    });
    return 'processed';
  });
}

/** Checks the signature over the raw bytes, then the headers, then reads the body as a JSON object. */
async function readDelivery(settings: GithubAppSettings, delivery: GithubDelivery) {
  if (!verifyWebhookSignature(settings.webhookSecret, delivery.rawBody, delivery.signature)) {
    throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match this body');
  }
  const deliveryId = delivery.deliveryId?.trim();
  const event = delivery.event?.trim();
  if (!deliveryId || deliveryId.length > 64 || !event || event.length > 64) {
    throw new AppError('VALIDATION_FAILED', 'X-GitHub-Delivery and X-GitHub-Event are required', {
      field: !deliveryId || deliveryId.length > 64 ? 'x-github-delivery' : 'x-github-event',
    });
  }
  let payload: Payload;
  try {
    payload = JSON.parse(delivery.rawBody.toString('utf8')) as Payload;
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The body is not JSON', { field: 'body' });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError('VALIDATION_FAILED', 'The body is not a JSON object', { field: 'body' });
  }
  if (payload.action !== undefined && typeof payload.action !== 'string') payload.action = undefined;
  const id = payload.installation?.id;
  const installationId = Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : null;
  return { deliveryId, event, payload, installationId };
}

/** Records the delivery id; false when it was recorded already (a redelivery or a concurrent duplicate). */
async function recordDelivery(
  em: EntityManager,
  {
    deliveryId,
    event,
    action,
    installationId,
  }: { deliveryId: string; event: string; action: string | undefined; installationId: number | null },
) {
  const recorded = await em.execute(
    `insert into github_webhook_delivery (delivery_id, event, action, installation_id, received_at)
     values (?, ?, ?, ?, now()) on conflict (delivery_id) do nothing returning delivery_id`,
    [deliveryId, event, action?.slice(0, 64) ?? null, installationId],
  );
  return recorded.length > 0;
}

/**
 * The installation with the organization it is linked to, entered for the rest of the transaction;
 * null when no organization has linked it (yet): the setup redirect links it, with a signed state
 * naming the organization.
 */
async function findLinkedInstallation(em: EntityManager, installationId: number) {
  // Whose installation is it? The one cross-tenant read here, through a fixed function.
  const [owner] = await em.execute<{ organization_id: string | null }[]>(
    'select github_installation_organization(?) as organization_id',
    [installationId],
  );
  if (!owner?.organization_id) return null;
  await enterOrganization(em, owner.organization_id);
  const installation = await em.findOne(GithubInstallation, { installationId });
  return installation ? { organizationId: owner.organization_id, installation } : null;
}

/** Applies the event's action to the installation; false for an action this server does not act on. */
function applyInstallationAction(
  em: EntityManager,
  installation: GithubInstallation,
  action: string | undefined,
  payload: Payload,
): boolean {
  switch (action) {
    case 'created':
    case 'new_permissions_accepted':
      if (payload.installation) applyInstallationInfo(installation, payload.installation);
      return true;
    case 'suspend':
      installation.status = 'suspended';
      installation.suspendedAt = new Date();
      return true;
    case 'unsuspend':
      installation.status = 'active';
      installation.suspendedAt = null;
      return true;
    case 'deleted':
      em.remove(installation);
      return true;
    case 'repositories_added':
    case 'repositories_removed':
      if (payload.repository_selection) installation.repositorySelection = payload.repository_selection;
      return true;
    default:
      return false;
  }
}

/** What the audit event records: the repositories added and removed, or the installation's status. */
function auditedChanges(
  event: InstallationEvent,
  action: string | undefined,
  installation: GithubInstallation,
  payload: Payload,
): Changes {
  return event === 'installation_repositories'
    ? {
        repositoriesAdded: { after: (payload.repositories_added ?? []).map((r) => r.full_name) },
        repositoriesRemoved: { after: (payload.repositories_removed ?? []).map((r) => r.full_name) },
      }
    : { status: { after: action === 'deleted' ? 'uninstalled' : installation.status } };
}
