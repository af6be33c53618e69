import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertChannel, AlertDelivery, Organization } from '@strictops/db';
import { entitlementsOf } from '../entitlements/entitlements.ts';
import { type AlertEvent, SUMMARY_ITEMS_LISTED, type SummaryPayload } from './alert-messages.ts';
import { type AlertRoute, routes } from './routing.ts';

const MINUTE_MS = 60_000;
/** What counts against a channel's storm ceiling: notifications, not test sends or the summaries themselves. */
const COUNTED_EVENTS: AlertEvent[] = ['deployment.failed', 'alert.raised', 'alert.resolved'];
const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

type Notification = {
  event: AlertEvent;
  payload: Record<string, unknown>;
  route: AlertRoute;
  /** One line for the storm summary, should this notification be grouped into one. */
  headline: string;
  /** The monitoring alert it reports, if any. */
  alertId?: string | null;
};

export type Enqueued = { queued: number; grouped: number };

/**
 * The outbox: the notifications of one change, written in that change's transaction, so they exist
 * exactly when it committed; the dispatcher sends them later, with retries and a delivery log.
 * Each enabled channel whose routing lets the alert through gets one, up to its storm ceiling (the
 * organization's tier: notifications per channel per minute); past it, the notification is
 * recorded in that minute's one summary for the channel, sent when the minute is over.
 */
export async function notifyChannels(em: EntityManager, organizationId: string, notification: Notification) {
  const channels = (await em.find(AlertChannel, { enabled: true }, { orderBy: { id: 'asc' } })).filter((channel) =>
    routes(channel.routing, notification.route),
  );
  return enqueueFor(em, organizationId, channels, notification, { groupable: true });
}

/**
 * A resolution goes to the channels that were told of the alert one by one, and to no other: a
 * channel that saw it only in a summary, or was not routed it, has nothing to close. It counts
 * against the ceiling but is never grouped, so a PagerDuty incident is never left open.
 */
export async function notifyResolved(em: EntityManager, organizationId: string, notification: Notification) {
  const told = await em.find(
    AlertDelivery,
    { alertId: notification.alertId, event: 'alert.raised' },
    { fields: ['channel'] },
  );
  if (told.length === 0) return { queued: 0, grouped: 0 };
  const channels = await em.find(
    AlertChannel,
    { id: { $in: [...new Set(told.map((d) => d.channel.id))] }, enabled: true },
    { orderBy: { id: 'asc' } },
  );
  return enqueueFor(em, organizationId, channels, notification, { groupable: false });
}

async function enqueueFor(
  em: EntityManager,
  organizationId: string,
  channels: AlertChannel[],
  notification: Notification,
  { groupable }: { groupable: boolean },
): Promise<Enqueued> {
  const result = { queued: 0, grouped: 0 };
  if (channels.length === 0) return result;
  const organization = await em.findOneOrFail(Organization, { id: organizationId });
  const ceiling = entitlementsOf(organization).alertNotificationsPerChannelPerMinute;
  for (const channel of channels) {
    // Notifications to one channel take turns, so each counts the ones committed before it. (Locks
    // are taken in channel order, after the audit event's: no two changes wait on each other.)
    await em.execute(`select pg_advisory_xact_lock(hashtextextended('alert-channel:' || ?, 0))`, [channel.id]);
    const now = new Date();
    const window = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
    // Scoped by hand (and by row-level security); on the (channel, created_at) index.
    const [{ sent }] = await em.execute<[{ sent: number }]>(
      `select count(*)::int as sent from alert_delivery
        where organization_id = ? and channel_id = ? and created_at >= ? and event in (?)`,
      [organizationId, channel.id, window, COUNTED_EVENTS],
    );
    if (!groupable || sent < ceiling) {
      em.create(AlertDelivery, {
        organization: organizationId,
        channel,
        event: notification.event,
        payload: notification.payload,
        alertId: notification.alertId ?? null,
        status: 'pending',
        attemptCount: 0,
        attempts: [],
        nextAttemptAt: now,
      });
      result.queued++;
    } else {
      await groupIntoSummary(em, { organizationId, channel, window, notification });
      result.grouped++;
    }
    await em.flush();
  }
  return result;
}

/** Adds a notification to the channel's summary of this minute, making it the first time. */
async function groupIntoSummary(
  em: EntityManager,
  {
    organizationId,
    channel,
    window,
    notification,
  }: { organizationId: string; channel: AlertChannel; window: Date; notification: Notification },
) {
  const end = new Date(window.getTime() + MINUTE_MS);
  // Only a summary no dispatcher has claimed yet, locked until this change commits: a claim taken
  // first (the minute is over on the database's clock) makes this a new summary, and a claim that
  // comes after waits for this notification to be in the payload it sends.
  const unsent = await em.findOne(
    AlertDelivery,
    { channel: channel.id, event: 'alert.summary', createdAt: { $gte: window }, status: 'pending', attemptCount: 0 },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  const summary =
    unsent ??
    em.create(AlertDelivery, {
      organization: organizationId,
      channel,
      event: 'alert.summary',
      payload: {
        window: { start: window.toISOString(), end: end.toISOString() },
        count: 0,
        severity: 'info',
        items: [],
      } satisfies SummaryPayload,
      status: 'pending',
      attemptCount: 0,
      attempts: [],
      // Sent once its minute is over, when nothing more can join it.
      nextAttemptAt: end,
    });
  const payload = summary.payload as SummaryPayload;
  const { severity } = notification.route;
  summary.payload = {
    ...payload,
    count: payload.count + 1,
    severity: SEVERITY_RANK[severity] > SEVERITY_RANK[payload.severity] ? severity : payload.severity,
    items:
      payload.items.length < SUMMARY_ITEMS_LISTED
        ? [
            ...payload.items,
            {
              event: notification.event,
              headline: notification.headline,
              severity,
              alertId: notification.alertId ?? null,
            },
          ]
        : payload.items,
  } satisfies SummaryPayload;
}
