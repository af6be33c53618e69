import type { EntityManager } from '@mikro-orm/postgresql';
import type { Tier } from '@strictops/db';
import { entitlementsOf } from '../entitlements/entitlements.ts';

export type AccountBudget = { key: string; multiplier: number };

type Membership = {
  id: string;
  slug: string;
  tier: Tier;
  limit_overrides: Record<string, number | null> | string | null;
};

/**
 * Whose budget an account procedure (`auth.me`, `organizations.list`, sessions) spends. Naming one
 * of the caller's organizations spends that organization's, at its tier, as its own procedures do;
 * otherwise the caller's own, at the best tier among their organizations, so a member of an
 * ENTERPRISE organization is not held to FREE rates on their account. A named organization the
 * caller does not belong to counts as none named (it reveals nothing, and its budget is not theirs).
 */
export async function accountBudget(
  em: EntityManager,
  { userId, requested }: { userId: string; requested: string | null },
): Promise<AccountBudget> {
  const organizations = await em.execute<Membership[]>(
    `select o.id, o.slug, o.tier, o.limit_overrides
       from "membership" m join "organization" o on o.id = m.organization_id and o.deleted_at is null
      where m.user_id = ?`,
    [userId],
  );
  return budgetOf(userId, organizations, requested);
}

export function budgetOf(userId: string, organizations: Membership[], requested: string | null): AccountBudget {
  const multiplier = (o: Membership) =>
    entitlementsOf({
      tier: o.tier,
      limitOverrides: typeof o.limit_overrides === 'string' ? JSON.parse(o.limit_overrides) : o.limit_overrides,
    }).rateLimitMultiplier;
  const key = requested?.trim().toLowerCase();
  const named = key ? organizations.find((o) => o.id === key || o.slug.toLowerCase() === key) : undefined;
  if (named) return { key: named.id, multiplier: multiplier(named) };
  return { key: `user:${userId}`, multiplier: Math.max(1, ...organizations.map(multiplier)) };
}
