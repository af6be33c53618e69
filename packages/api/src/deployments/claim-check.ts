import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken, type Deployment, Membership, type Tier } from '@strictops/db';
import { decide, type Refusal, type Subject } from '../policy.ts';

/**
 * Whoever queued a deployment, as the policy sees them now: their current role in the
 * organization and, for an API token, its scopes. Null when they can no longer act here (the
 * membership ended, the token was revoked, or a service or the system queued it).
 */
async function queuedBy(em: EntityManager, deployment: Deployment, tier: Tier): Promise<Subject | null> {
  if (deployment.triggeredByType === 'user') {
    const membership = await em.findOne(Membership, { user: deployment.triggeredById });
    return membership ? { role: membership.role, tokenScopes: null, tier } : null;
  }
  if (deployment.triggeredByType === 'api_token') {
    const token = await em.findOne(ApiToken, { id: deployment.triggeredById, revokedAt: null });
    const membership = token && (await em.findOne(Membership, { user: token.createdBy.id }));
    return membership && token ? { role: membership.role, tokenScopes: token.scopes, tier } : null;
  }
  return null;
}

/**
 * Asks the policy again, when a worker claims a deployment, whether the one who queued it may
 * deploy it where it goes: a protection added while it waited applies, as does a role lost.
 * Null when it may run.
 */
export async function refusalAtClaim(
  em: EntityManager,
  { deployment, tier }: { deployment: Deployment; tier: Tier },
): Promise<Refusal | null> {
  const subject = await queuedBy(em, deployment, tier);
  if (!subject) {
    return {
      code: 'PERMISSION_DENIED',
      message: 'Whoever queued this deployment can no longer deploy here',
      rule: 'deployments.create',
    };
  }
  await em.populate(deployment, ['environment']);
  return decide(subject, 'deployments.create', { protectedEnvironment: deployment.environment.protected });
}
