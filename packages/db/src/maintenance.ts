import type { Orm } from './orm.ts';

/** How long a deleted organization is kept (restorable by hand) before the purge removes it. */
export const PURGE_AFTER_DAYS = 30;

export type PurgedOrganization = { id: string; slug: string; deletedAt: Date };

/**
 * Removes for good every organization deleted more than `olderThanDays` ago, with everything it
 * owns (memberships, invitations, audit events: the foreign keys cascade). Its slug is free again
 * afterwards. Run it with an ORM opened as the owner (`role: 'owner'`): maintenance, not a request.
 */
export async function purgeDeletedOrganizations(
  orm: Orm,
  { now = new Date(), olderThanDays = PURGE_AFTER_DAYS }: { now?: Date; olderThanDays?: number } = {},
): Promise<PurgedOrganization[]> {
  const cutoff = new Date(now.getTime() - olderThanDays * 24 * 60 * 60 * 1000);
  const rows = (await orm.em
    .getConnection()
    .execute(
      'delete from "organization" where "deleted_at" is not null and "deleted_at" < ? returning "id", "slug", "deleted_at"',
      [cutoff],
    )) as { id: string; slug: string; deleted_at: Date | string }[];
  return rows.map((row) => ({ id: row.id, slug: row.slug, deletedAt: new Date(row.deleted_at) }));
}

/** How long delivery records are kept: GitHub redelivers for days, not weeks; the alert log is for recent trouble. */
export const DELIVERY_RECORDS_DAYS = 30;

/**
 * Deletes GitHub webhook delivery ids and finished alert deliveries older than `olderThanDays`.
 * Pending alert deliveries are kept whatever their age, and so is the record that a channel was
 * sent an alert that is still unresolved: its resolution goes to the channels that record names
 * (a PagerDuty incident open for months still gets closed). Run as the owner, like the other purges.
 */
export async function purgeDeliveryRecords(
  orm: Orm,
  { now = new Date(), olderThanDays = DELIVERY_RECORDS_DAYS }: { now?: Date; olderThanDays?: number } = {},
): Promise<{ webhookDeliveries: number; alertDeliveries: number }> {
  const cutoff = new Date(now.getTime() - olderThanDays * 24 * 60 * 60 * 1000);
  const connection = orm.em.getConnection();
  const webhooks = (await connection.execute(
    'delete from "github_webhook_delivery" where "received_at" < ? returning 1',
    [cutoff],
  )) as unknown[];
  const alerts = (await connection.execute(
    `delete from "alert_delivery" d where d."status" <> 'pending' and d."created_at" < ?
        and not (d."event" = 'alert.raised'
                 and exists (select 1 from "alert" a where a."id" = d."alert_id" and a."status" <> 'resolved'))
     returning 1`,
    [cutoff],
  )) as unknown[];
  return { webhookDeliveries: webhooks.length, alertDeliveries: alerts.length };
}
