import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AlertChannel,
  ApiToken,
  AwsConnection,
  Deployment,
  Environment,
  GithubInstallation,
  Invitation,
  Membership,
  Project,
  type Tier,
} from '@strictops/db';
import { AppError } from '../errors.ts';
import { type Entitlements, entitlementsOf } from './entitlements.ts';

/** The limits that count things an organization has (the others are rates and flags). */
export const COUNTED_LIMITS = [
  'members',
  'projects',
  'environmentsPerProject',
  'awsConnections',
  'githubInstallations',
  'activeApiTokens',
  'alertChannels',
  'deploymentsPerMonth',
  'concurrentDeployments',
] as const satisfies readonly (keyof Entitlements)[];
export type CountedLimit = (typeof COUNTED_LIMITS)[number];

/** How a limit's current usage is counted, inside a transaction scoped to the organization. */
type Counter = (em: EntityManager, scope?: { parentId?: string }) => Promise<number>;

/**
 * Usage counters, one line per limit: a feature that adds a counted resource adds its counter
 * here, and `assertEntitled` and `organizations.usage` pick it up.
 */
export const USAGE_COUNTERS: Record<CountedLimit, Counter> = {
  members: async (em) =>
    (await em.count(Membership, {})) +
    (await em.count(Invitation, { status: 'pending', expiresAt: { $gt: new Date() } })),
  projects: (em) => em.count(Project, {}),
  awsConnections: (em) => em.count(AwsConnection, {}),
  githubInstallations: (em) => em.count(GithubInstallation, {}),
  alertChannels: (em) => em.count(AlertChannel, {}),
  environmentsPerProject: (em, scope) => em.count(Environment, { project: scope?.parentId }),
  deploymentsPerMonth: (em) => {
    const now = new Date();
    return em.count(Deployment, { queuedAt: { $gte: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) } });
  },
  concurrentDeployments: (em) => em.count(Deployment, { status: { $in: ['queued', 'in_progress'] } }),
  activeApiTokens: (em) =>
    em.count(ApiToken, { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] }),
};

/**
 * Locks the organization's row until the transaction ends: creations in one organization take
 * turns, so the counts they check (and the idempotency keys they look for) are the truth.
 *
 * `for no key update`, not `for update`: every row that references the organization (each audit
 * event among them) takes a key-share lock on it when inserted, and `for update` would queue those
 * too. A transaction that holds the audit chain lock and inserts its event would then wait for one
 * that holds this lock and waits for the chain: a deadlock.
 */
export type LockedOrganization = { tier: Tier; limit_overrides: Record<string, number | null> | null };

export async function lockOrganization(em: EntityManager, organizationId: string): Promise<LockedOrganization> {
  const [organization] = await em.execute<LockedOrganization[]>(
    'select tier, limit_overrides from "organization" where id = ? for no key update',
    [organizationId],
  );
  if (!organization) throw new AppError('ORGANIZATION_NOT_FOUND', 'Organization not found');
  return organization;
}

/**
 * The one place limits are checked. Locks the organization's row for the rest of the transaction
 * first, so concurrent creations in one organization take turns and the count each sees is the
 * truth; then refuses, changing nothing, when adding would pass the tier's limit.
 */
export async function assertEntitled(
  em: EntityManager,
  {
    organizationId,
    limit,
    adding = 1,
    parentId,
    locked,
  }: {
    organizationId: string;
    limit: CountedLimit;
    adding?: number;
    parentId?: string;
    /** The row `lockOrganization` returned earlier in this transaction: no need to lock it again. */
    locked?: LockedOrganization;
  },
): Promise<void> {
  const organization = locked ?? (await lockOrganization(em, organizationId));
  const max = entitlementsOf({ tier: organization.tier, limitOverrides: organization.limit_overrides })[limit];
  if (max === null) return;
  const usage = await USAGE_COUNTERS[limit](em, { parentId });
  if (usage + adding > max) {
    throw new AppError(
      'LIMIT_REACHED',
      `The ${organization.tier} tier allows ${max} ${limit}; this organization has ${usage}`,
      {
        details: { limit, max, usage, tier: organization.tier },
      },
    );
  }
}

/** Every limit with its current usage (null for the per-project one, which has a usage per project). */
export async function usageOf(
  em: EntityManager,
  organization: { tier: Tier; limitOverrides?: Record<string, number | null> | null },
) {
  const entitlements = entitlementsOf(organization);
  const limits = [];
  for (const name of COUNTED_LIMITS) {
    limits.push({
      name,
      limit: entitlements[name],
      usage: name === 'environmentsPerProject' ? null : await USAGE_COUNTERS[name](em),
    });
  }
  return {
    tier: organization.tier,
    limits,
    auditRetentionDays: entitlements.auditRetentionDays,
    rateLimitMultiplier: entitlements.rateLimitMultiplier,
    auditExport: entitlements.auditExport,
    alertNotificationsPerChannelPerMinute: entitlements.alertNotificationsPerChannelPerMinute,
  };
}
