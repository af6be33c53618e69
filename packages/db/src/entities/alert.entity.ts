import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { ACTOR_TYPES } from './audit-event.entity.ts';
import { Organization } from './organization.entity.ts';

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * A monitoring alert an internal service raised for an organization. One alert per dedup key is
 * open (or acknowledged) at a time, which the partial unique index holds even against concurrent
 * raises; a repeat raise counts on it, and a raise after it was resolved opens a new one.
 *
 * The project is a plain id, not a relation: an alert is a record of what happened and stays when
 * its project goes, and lists of alerts join nothing.
 */
export const Alert = defineEntity({
  name: 'Alert',
  tableName: 'alert',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    projectId: p.uuid().strictNullable(),
    environment: p.string().length(32).strictNullable(),
    severity: p.enum(ALERT_SEVERITIES),
    title: p.string().length(200),
    details: p.text().strictNullable(),
    dedupKey: p.string().length(255),
    source: p.string().length(64),
    status: p.enum(ALERT_STATUSES).default('open'),
    /** Raises of the same key while it was open, after the first. */
    repeats: p.integer().default(0),
    openedAt: p.datetime().onCreate(() => new Date()),
    lastRaisedAt: p.datetime().onCreate(() => new Date()),
    acknowledgedAt: p.datetime().strictNullable(),
    acknowledgedByType: p.enum(ACTOR_TYPES).strictNullable(),
    acknowledgedById: p.string().length(64).strictNullable(),
    acknowledgedByDisplay: p.string().length(320).strictNullable(),
    resolvedAt: p.datetime().strictNullable(),
  },
  indexes: [
    // Lists are newest first by id within the organization (keyset pagination).
    { name: 'alert_organization_id_id_index', properties: ['organization', 'id'] },
  ],
  uniques: [
    {
      name: 'alert_open_dedup_key_unique',
      expression:
        'create unique index "alert_open_dedup_key_unique" on "alert" ("organization_id", "dedup_key") where "status" <> \'resolved\'',
    },
  ],
  ...organizationOwned,
});

export type Alert = InferEntity<typeof Alert>;
