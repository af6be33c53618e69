import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Alert, AlertChannel, AlertDelivery, GithubWebhookDelivery, Organization } from './entities/index.ts';
import { uuidv7 } from './ids.ts';
import { purgeDeliveryRecords } from './maintenance.ts';
import { type Orm, openDatabase } from './orm.ts';
import { enterOrganization } from './tenancy.ts';

let orm: Orm;
const run = uuidv7().slice(-12);
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  orm = await openDatabase({ url: inject('databaseUrl'), poolSize: 1, role: 'owner' });
});
afterAll(() => orm.close());

describe('purgeDeliveryRecords', () => {
  it('removes old webhook delivery ids and old finished alert deliveries, keeping pending ones and those of unresolved alerts', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 31 * DAY);
    const ids = await orm.em.fork().transactional(async (em) => {
      const organization = em.create(Organization, { name: 'Purge', slug: `purge-deliveries-${run}` });
      await em.flush();
      await enterOrganization(em, organization.id);
      const channel = em.create(AlertChannel, { organization, name: 'Hook', type: 'email', target: 'a@example.com' });
      const delivery = (status: 'pending' | 'delivered' | 'failed', createdAt: Date, alert?: Alert) =>
        em.create(AlertDelivery, {
          organization,
          channel,
          event: alert ? 'alert.raised' : 'alert.test',
          alertId: alert?.id ?? null,
          payload: {},
          status,
          attempts: [],
          createdAt,
        });
      const alert = (status: 'open' | 'resolved') =>
        em.create(Alert, {
          organization,
          severity: 'critical',
          title: status,
          dedupKey: `${status}-${run}`,
          source: 't',
          status,
        });
      const oldDelivered = delivery('delivered', old);
      const oldFailed = delivery('failed', old);
      const oldPending = delivery('pending', old);
      const recent = delivery('delivered', now);
      // A channel told of an alert that is still open must hear of its resolution, however late.
      const stillOpen = delivery('delivered', old, alert('open'));
      const overAndDone = delivery('delivered', old, alert('resolved'));
      em.create(GithubWebhookDelivery, { deliveryId: `old-${run}`, event: 'ping', receivedAt: old });
      em.create(GithubWebhookDelivery, { deliveryId: `new-${run}`, event: 'ping', receivedAt: now });
      await em.flush();
      return {
        organization: organization.id,
        kept: [oldPending.id, recent.id, stillOpen.id],
        gone: [oldDelivered.id, oldFailed.id, overAndDone.id],
      };
    });

    const purged = await purgeDeliveryRecords(orm, { now });
    expect(purged.alertDeliveries).toBeGreaterThanOrEqual(2);
    expect(purged.webhookDeliveries).toBeGreaterThanOrEqual(1);
    const left = await orm.em.fork().transactional(async (em) => {
      await enterOrganization(em, ids.organization);
      return (await em.find(AlertDelivery, {})).map((d) => d.id);
    });
    expect(left.sort()).toEqual([...ids.kept].sort());
    const webhooks = await orm.em
      .fork()
      .find(GithubWebhookDelivery, { deliveryId: { $in: [`old-${run}`, `new-${run}`] } });
    expect(webhooks.map((d) => d.deliveryId)).toEqual([`new-${run}`]);
  });
});
