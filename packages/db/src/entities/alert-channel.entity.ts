import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { uuidv7 } from '../ids.ts';
import { organizationOwned } from '../tenancy.ts';
import { Organization } from './organization.entity.ts';

export const ALERT_CHANNEL_TYPES = ['email', 'slack', 'webhook', 'pagerduty'] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

/**
 * Which alerts a channel receives: each list narrows it, an absent (or null) list lets everything
 * through. Project ids and environment names, as alerts carry them.
 */
export type AlertRouting = {
  severities?: string[] | null;
  projectIds?: string[] | null;
  environments?: string[] | null;
};

/**
 * Where an organization's alerts go. `target` is what may be shown (an email address, a webhook
 * URL, a masked Slack URL or PagerDuty key); `secret` is what delivery needs and nobody is shown
 * again: the Slack webhook URL, the PagerDuty routing key, the webhook signing secret.
 */
export const AlertChannel = defineEntity({
  name: 'AlertChannel',
  tableName: 'alert_channel',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    name: p.string().length(100),
    type: p.enum(ALERT_CHANNEL_TYPES),
    target: p.string().length(2048),
    // Sealed (see the API's secret box): longer than what it holds.
    secret: p.text().strictNullable().lazy(),
    enabled: p.boolean().default(true),
    routing: p
      .json<AlertRouting>()
      .onCreate(() => ({}))
      .default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ name: 'alert_channel_organization_name_unique', properties: ['organization', 'name'] }],
  ...organizationOwned,
});

export type AlertChannel = InferEntity<typeof AlertChannel>;
