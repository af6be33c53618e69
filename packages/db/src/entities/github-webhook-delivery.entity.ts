import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * A GitHub webhook delivery already handled, by GitHub's `X-GitHub-Delivery` id: GitHub retries
 * and redelivers, and each delivery must change things once. Not an organization's data: a
 * delivery arrives before anyone knows whose installation it is about.
 */
export const GithubWebhookDelivery = defineEntity({
  name: 'GithubWebhookDelivery',
  tableName: 'github_webhook_delivery',
  properties: {
    deliveryId: p.string().length(64).primary(),
    event: p.string().length(64),
    action: p.string().length(64).strictNullable(),
    installationId: p.bigint('number').strictNullable(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['receivedAt'] }],
});

export type GithubWebhookDelivery = InferEntity<typeof GithubWebhookDelivery>;
