import type { EntityManager } from '@mikro-orm/postgresql';
import { enterOrganization, Organization, type Tier } from '@strictops/db';
import { type Actor, type AuditScope, diff, type RequestOrigin, recordAuditEvent } from '../audit/audit.service.ts';
import { loadDeployment, transition, view } from '../deployments/deployments.service.ts';
import { AppError } from '../errors.ts';

const scopeOf = (organizationId: string, actor: Actor, origin: RequestOrigin): AuditScope => ({
  organizationId,
  actor,
  origin,
});

/**
 * Claims the oldest queued deployment of any organization for a worker. Which organization it
 * belongs to is not known beforehand, so the claim is the one fixed cross-tenant statement
 * (`claim_next_deployment`, skipping rows another worker holds); everything after it runs scoped
 * to the claimed deployment's organization.
 */
export async function claimDeployment(
  em: EntityManager,
  { actor, origin, workerId }: { actor: Actor; origin: RequestOrigin; workerId: string },
) {
  const [claimed] = await em.execute<{ deployment_id: string; organization_id: string }[]>(
    'select deployment_id, organization_id from claim_next_deployment(?)',
    [workerId],
  );
  if (!claimed) return { organizationId: null, deployment: null };
  await enterOrganization(em, claimed.organization_id);
  const deployment = await loadDeployment(em, claimed.deployment_id);
  await recordAuditEvent(em, scopeOf(claimed.organization_id, actor, origin), {
    action: 'deployment.started',
    target: { type: 'deployment', id: deployment.id, display: deployment.ref },
    changes: { status: { before: 'queued', after: 'in_progress' }, claimedBy: { after: workerId } },
  });
  return { organizationId: claimed.organization_id, deployment: view(deployment) };
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
