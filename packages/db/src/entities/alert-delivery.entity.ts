import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { AlertChannel } from './alert-channel.entity.ts';
import { Organization } from './organization.entity.ts';

export const ALERT_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/** One try at delivering, as the channel's delivery log shows it (never the remote's body). */
export type AlertAttempt = { at: string; statusCode: number | null; error: string | null; durationMs: number };

/**
 * One alert for one channel: the outbox row written in the transaction of the change it reports,
 * then the dispatcher's record of delivering it (attempts, backoff, outcome).
 */
export const AlertDelivery = defineEntity({
  name: 'AlertDelivery',
  tableName: 'alert_delivery',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    channel: () => p.manyToOne(AlertChannel).deleteRule('cascade'),
    event: p.string().length(64),
    // The monitoring alert this delivery reports, if any. A plain id, not a relation: the delivery
    // log outlives nothing it points at, and a relation would make every log query join alerts.
    alertId: p.uuid().strictNullable(),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum(ALERT_DELIVERY_STATUSES).default('pending'),
    attemptCount: p.integer().default(0),
    /** The most recent attempts, newest last (a few, not all). */
    attempts: p.json<AlertAttempt[]>(),
    nextAttemptAt: p.datetime().strictNullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    deliveredAt: p.datetime().strictNullable(),
  },
  indexes: [
    { properties: ['channel', 'createdAt'] },
    { properties: ['channel', 'id'] },
    {
      name: 'alert_delivery_alert_id_index',
      expression:
        'create index "alert_delivery_alert_id_index" on "alert_delivery" ("alert_id", "channel_id") where "alert_id" is not null',
    },
    {
      name: 'alert_delivery_due_index',
      expression:
        'create index "alert_delivery_due_index" on "alert_delivery" ("next_attempt_at") where "status" = \'pending\'',
    },
  ],
  ...organizationOwned,
});

export type AlertDelivery = InferEntity<typeof AlertDelivery>;
