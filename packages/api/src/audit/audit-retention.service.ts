import { ORGANIZATION_SETTING, type Orm, type Tier } from '@strictops/db';
import { entitlementsOf } from '../entitlements/entitlements.ts';

export type PurgeReport = { organizations: number; eventsPurged: number };

/**
 * Deletes audit events older than each organization's retention (SPEC §5, by tier) and moves the
 * organization's checkpoint to the last purged event, whose hash the first kept event names: the
 * chain stays verifiable. Runs as the database owner (the application role may not delete audit
 * rows), one short transaction per organization, scoped to it like any request.
 */
export async function purgeExpiredAuditEvents(ownerOrm: Orm, now: Date = new Date()): Promise<PurgeReport> {
  const connection = ownerOrm.em.getConnection();
  const organizations = await connection.execute<
    { id: string; tier: Tier; limit_overrides: Record<string, number | null> | null }[]
  >('select id, tier, limit_overrides from "organization"');
  let eventsPurged = 0;
  for (const organization of organizations) {
    const { auditRetentionDays } = entitlementsOf({
      tier: organization.tier,
      limitOverrides: organization.limit_overrides,
    });
    const cutoff = new Date(now.getTime() - auditRetentionDays * 86_400_000);
    eventsPurged += await ownerOrm.em.fork().transactional(async (em) => {
      await em.execute(`select set_config('${ORGANIZATION_SETTING}', ?, true)`, [organization.id]);
      const [last] = await em.execute<{ seq: string; hash: string }[]>(
        `select seq::text, hash from "audit_event"
          where organization_id = ? and occurred_at < ? order by seq desc limit 1`,
        [organization.id, cutoff],
      );
      if (!last) return 0;
      const deleted = await em.execute(
        'delete from "audit_event" where organization_id = ? and seq <= ?',
        [organization.id, last.seq],
        'run',
      );
      await em.execute(
        `insert into "audit_checkpoint" (organization_id, last_purged_seq, last_purged_hash, purged_at)
         values (?, ?, ?, ?)
         on conflict (organization_id) do update
           set last_purged_seq = excluded.last_purged_seq, last_purged_hash = excluded.last_purged_hash,
               purged_at = excluded.purged_at`,
        [organization.id, last.seq, last.hash, now],
      );
      return (deleted as unknown as { affectedRows: number }).affectedRows;
    });
  }
  return { organizations: organizations.length, eventsPurged };
}
