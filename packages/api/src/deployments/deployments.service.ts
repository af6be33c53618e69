import type { EntityManager } from '@mikro-orm/postgresql';
import { Deployment, type DeploymentStatus, Organization } from '@strictops/db';
import { deploymentFailedHeadline } from '../alert-channels/alert-messages.ts';
import { notifyChannels } from '../alert-channels/outbox.ts';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled, lockOrganization } from '../entitlements/usage.ts';
import { findEnvironmentOf } from '../environments/environments.service.ts';
import { AppError } from '../errors.ts';
import type { Authorize } from '../policy.ts';
import { loadProject } from '../projects/projects.service.ts';
import { sha256Hex } from '../shared/hashing.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import type { StackPlan } from '../stacks/stack-plan.ts';
import { planForDeployment } from '../stacks/stacks.service.ts';

export const view = (d: Deployment) => ({
  id: d.id,
  projectId: d.project.id,
  environmentId: d.environment.id,
  status: d.status,
  ref: d.ref,
  commitSha: d.commitSha ?? null,
  triggeredBy: { type: d.triggeredByType, id: d.triggeredById, display: d.triggeredByDisplay },
  statusMessage: d.statusMessage ?? null,
  queuedAt: d.queuedAt,
  startedAt: d.startedAt ?? null,
  finishedAt: d.finishedAt ?? null,
});

/** A deployment with the stack plan it was queued with (null for one queued before plans were recorded). */
export const detailView = (d: Deployment) => ({ ...view(d), stackPlan: (d.stackPlan ?? null) as StackPlan | null });

export type CreateDeployment = {
  projectId: string;
  environment: string;
  ref: string;
  commitSha?: string;
  idempotencyKey?: string;
};

const digestOf = (input: CreateDeployment) =>
  sha256Hex(JSON.stringify([input.projectId, input.environment, input.ref, input.commitSha ?? null]));

/**
 * Queues a deployment. With an idempotency key, a replay of the same request returns the first
 * deployment, the same key with another request is IDEMPOTENCY_KEY_REUSED, and concurrent
 * duplicates create one: they take turns on the organization's lock, and each looks for the key
 * before it inserts.
 */
export async function createDeployment(
  em: EntityManager,
  { audit, authorize, input }: { audit: AuditScope; authorize: Authorize; input: CreateDeployment },
) {
  const locked = await lockOrganization(em, audit.organizationId);
  if (input.idempotencyKey) {
    const first = await em.findOne(Deployment, { idempotencyKey: input.idempotencyKey });
    if (first) {
      if (first.requestDigest !== digestOf(input)) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different deployment', {
          field: 'idempotencyKey',
        });
      }
      return { deployment: view(first), replayed: true };
    }
  }
  const project = await loadProject(em, input.projectId);
  const environment = await findEnvironmentOf(em, project.id, input.environment);
  authorize('deployments.create', { protectedEnvironment: environment.protected });
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'deploymentsPerMonth', locked });
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'concurrentDeployments', locked });
  // Planned now, so a plan CloudFormation would refuse is refused here, and the history keeps what
  // this deployment deploys whatever the project's strategy becomes.
  const stackPlan = await planForDeployment(em, project, environment);
  const deployment = em.create(Deployment, {
    organization: audit.organizationId,
    project,
    environment,
    ref: input.ref,
    commitSha: input.commitSha ?? null,
    triggeredByType: audit.actor.type,
    triggeredById: audit.actor.id,
    triggeredByDisplay: audit.actor.display,
    idempotencyKey: input.idempotencyKey ?? null,
    requestDigest: input.idempotencyKey ? digestOf(input) : null,
    stackPlan,
  });
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'deployment.created',
    target: { type: 'deployment', id: deployment.id, display: `${project.slug}/${environment.name}@${input.ref}` },
  });
  return { deployment: view(deployment), replayed: false };
}

type DeploymentRow = {
  id: string;
  project_id: string;
  environment_id: string;
  status: DeploymentStatus;
  ref: string;
  commit_sha: string | null;
  triggered_by_type: Deployment['triggeredByType'];
  triggered_by_id: string;
  triggered_by_display: string;
  status_message: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
};

const rowView = (d: DeploymentRow): ReturnType<typeof view> => ({
  id: d.id,
  projectId: d.project_id,
  environmentId: d.environment_id,
  status: d.status,
  ref: d.ref,
  commitSha: d.commit_sha,
  triggeredBy: { type: d.triggered_by_type, id: d.triggered_by_id, display: d.triggered_by_display },
  statusMessage: d.status_message,
  queuedAt: dateOf(d.queued_at),
  startedAt: optionalDateOf(d.started_at),
  finishedAt: optionalDateOf(d.finished_at),
});

/**
 * The organization's deployment history, newest first, filtered by project, environment, status and
 * time. Keyset pagination on the time-ordered id (no OFFSET) over `(organization_id, id)`, so a page
 * costs the same at the millionth deployment. Plain rows, one query: nothing here needs entities.
 */
export async function listDeployments(
  em: EntityManager,
  filter: {
    organizationId: string;
    projectId?: string;
    environmentId?: string;
    status?: DeploymentStatus;
    from?: Date;
    to?: Date;
    cursor?: string;
    limit: number;
  },
) {
  return keysetPage<DeploymentRow, ReturnType<typeof rowView>>(
    em,
    {
      select: `select id, project_id, environment_id, status, ref, commit_sha, triggered_by_type, triggered_by_id,
                      triggered_by_display, status_message, queued_at, started_at, finished_at
                 from "deployment"`,
      organizationId: filter.organizationId,
      filters: [
        ['project_id = ?', filter.projectId],
        ['environment_id = ?', filter.environmentId],
        ['status = ?', filter.status],
        ['queued_at >= ?', filter.from],
        ['queued_at < ?', filter.to],
      ],
      key: 'id',
      order: 'desc',
      cursor: filter.cursor,
      limit: filter.limit,
    },
    rowView,
  );
}

export async function loadDeployment(em: EntityManager, id: string) {
  const deployment = await em.findOne(Deployment, { id });
  if (!deployment) throw new AppError('DEPLOYMENT_NOT_FOUND', 'Deployment not found', { field: 'id' });
  return deployment;
}

/** The status machine: queued -> in_progress -> succeeded | failed, and cancelled from either of the first two. */
const NEXT: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
  queued: ['in_progress', 'cancelled'],
  in_progress: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export async function transition(
  em: EntityManager,
  { audit, id, to, message }: { audit: AuditScope; id: string; to: DeploymentStatus; message?: string },
) {
  const deployment = await loadDeployment(em, id);
  const from = deployment.status as DeploymentStatus;
  if (!NEXT[from].includes(to)) {
    throw new AppError('INVALID_TRANSITION', `A ${from} deployment cannot become ${to}`, {
      field: 'status',
      details: { from, to },
    });
  }
  deployment.status = to;
  if (to === 'in_progress') deployment.startedAt = new Date();
  if (to === 'succeeded' || to === 'failed' || to === 'cancelled') deployment.finishedAt = new Date();
  deployment.statusMessage = message ?? null;
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: `deployment.${to === 'in_progress' ? 'started' : to}`,
    target: { type: 'deployment', id, display: deployment.ref },
    changes: { status: { before: from, after: to } },
  });
  if (to === 'failed') {
    const payload = await failurePayload(em, deployment);
    await notifyChannels(em, audit.organizationId, {
      event: 'deployment.failed',
      payload,
      route: { severity: payload.severity, projectId: payload.project.id, environment: payload.environment.name },
      headline: deploymentFailedHeadline(payload),
    });
  }
  return view(deployment);
}

/**
 * What a failed-deployment alert says: names, not just ids, so that it reads well anywhere. It is
 * routed as critical where the environment is protected, as a warning elsewhere.
 */
async function failurePayload(em: EntityManager, deployment: Deployment) {
  await em.populate(deployment, ['project', 'environment']);
  const organization = await em.findOneOrFail(Organization, { id: deployment.organization.id });
  return {
    severity: deployment.environment.protected ? ('critical' as const) : ('warning' as const),
    organization: { id: organization.id, name: organization.name, slug: organization.slug },
    project: { id: deployment.project.id, name: deployment.project.name, slug: deployment.project.slug },
    environment: { id: deployment.environment.id, name: deployment.environment.name },
    deployment: {
      id: deployment.id,
      ref: deployment.ref,
      commitSha: deployment.commitSha ?? null,
      statusMessage: deployment.statusMessage ?? null,
      finishedAt: deployment.finishedAt?.toISOString() ?? null,
    },
  };
}
