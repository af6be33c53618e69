import type { EntityManager } from '@mikro-orm/postgresql';
import { type Deployment, enterOrganization, Organization, type Tier } from '@strictops/db';
import { type Actor, type AuditScope, diff, type RequestOrigin, recordAuditEvent } from '../audit/audit-writer.ts';
import { refusalAtClaim } from '../deployments/claim-check.ts';
import { detailView, loadDeployment, transition } from '../deployments/deployments.service.ts';
import { AppError } from '../errors.ts';

const scopeOf = (organizationId: string, actor: Actor, origin: RequestOrigin): AuditScope => ({
  organizationId,
  actor,
  origin,
});

// A worker's claim passes over at most this many deployments the policy refuses before it answers.
const REFUSALS_PER_CLAIM = 20;

/**
 * Claims the oldest queued deployment of any organization for a worker. Which organization it
 * belongs to is not known beforehand, so the claim is the one fixed cross-tenant statement
 * (`claim_next_deployment`, skipping rows another worker holds); everything after it runs scoped
 * to the claimed deployment's organization. The policy is asked again at this point: a deployment
 * whose environment was protected while it waited, and that its author may not deploy there, is
 * cancelled with the reason (an audit event with outcome `denied`) and the next one is claimed.
 */
export async function claimDeployment(
  em: EntityManager,
  { actor, origin, workerId }: { actor: Actor; origin: RequestOrigin; workerId: string },
) {
  for (let refused = 0; refused < REFUSALS_PER_CLAIM; refused++) {
    const [claimed] = await em.execute<{ deployment_id: string; organization_id: string }[]>(
      'select deployment_id, organization_id from claim_next_deployment(?)',
      [workerId],
    );
    if (!claimed) break;
    await enterOrganization(em, claimed.organization_id);
    const scope = scopeOf(claimed.organization_id, actor, origin);
    const deployment = await loadDeployment(em, claimed.deployment_id);
    const organization = await em.findOneOrFail(Organization, { id: claimed.organization_id });
    const refusal = await refusalAtClaim(em, { deployment, tier: organization.tier });
    if (refusal) {
      await refuseAtClaim(em, { scope, deployment, reason: refusal.message, rule: refusal.rule });
      continue;
    }
    await recordAuditEvent(em, scope, {
      action: 'deployment.started',
      target: { type: 'deployment', id: deployment.id, display: deployment.ref },
      changes: { status: { before: 'queued', after: 'in_progress' }, claimedBy: { after: workerId } },
    });
    // The worker deploys the plan recorded at queue time, not whatever the project's strategy is now.
    return { organizationId: claimed.organization_id, deployment: detailView(deployment) };
  }
  return { organizationId: null, deployment: null };
}

/** A claimed deployment the policy refuses: cancelled, with why, and recorded as a denial. */
async function refuseAtClaim(
  em: EntityManager,
  { scope, deployment, reason, rule }: { scope: AuditScope; deployment: Deployment; reason: string; rule: string },
) {
  deployment.status = 'cancelled';
  deployment.finishedAt = new Date();
  deployment.statusMessage = reason;
  await em.flush();
  await recordAuditEvent(em, scope, {
    action: 'deployment.refused',
    target: { type: 'deployment', id: deployment.id, display: deployment.ref },
    changes: { status: { before: 'queued', after: 'cancelled' }, rule: { after: rule } },
    outcome: 'denied',
  });
}

export async function reportDeployment(
  em: EntityManager,
  input: {
    actor: Actor;
    origin: RequestOrigin;
    organizationId: string;
    deploymentId: string;
    status: 'succeeded' | 'failed' | 'cancelled';
    message?: string;
  },
) {
  await enterOrganization(em, input.organizationId);
  return transition(em, {
    audit: scopeOf(input.organizationId, input.actor, input.origin),
    id: input.deploymentId,
    to: input.status,
    message: input.message,
  });
}

/**
 * The billing side sets an organization's tier. A downgrade keeps everything the organization has
 * and only blocks new creations over the new limits.
 */
export async function setTier(
  em: EntityManager,
  input: {
    actor: Actor;
    origin: RequestOrigin;
    organizationId: string;
    tier: Tier;
    limitOverrides?: Record<string, number | null> | null;
  },
) {
  const organization = await em.findOne(Organization, { id: input.organizationId });
  if (!organization)
    throw new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found', { field: 'organizationId' });
  if (input.limitOverrides && input.tier !== 'ENTERPRISE') {
    throw new AppError('VALIDATION_FAILED', 'Only ENTERPRISE organizations carry limit overrides', {
      field: 'limitOverrides',
    });
  }
  const before = { tier: organization.tier, limitOverrides: organization.limitOverrides ?? null };
  organization.tier = input.tier;
  if (input.limitOverrides !== undefined || input.tier !== 'ENTERPRISE')
    organization.limitOverrides = input.limitOverrides ?? null;
  await em.flush();
  await enterOrganization(em, organization.id);
  const changes = diff(before, { tier: organization.tier, limitOverrides: organization.limitOverrides ?? null });
  if (changes) {
    await recordAuditEvent(em, scopeOf(organization.id, input.actor, input.origin), {
      action: 'organization.tier_changed',
      target: { type: 'organization', id: organization.id, display: organization.name },
      changes,
    });
  }
  return {
    organizationId: organization.id,
    tier: organization.tier,
    limitOverrides: organization.limitOverrides ?? null,
  };
}
