import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertDelivery, enterOrganization, type Orm } from '@strictops/db';
import type { Mailer } from '../invitations/mailer.ts';
import { describeAlert } from './alert-messages.ts';
import { channelAddress, UNREADABLE_SECRET } from './channel-targets.ts';
import { recordAttempt } from './delivery-log.ts';
import { deliverAlert } from './notifications.ts';
import type { DeliveryResult } from './safe-http.ts';
import type { SecretBox } from './secret-box.ts';

/** Waits before the 2nd, 3rd, … attempt: about three and a half hours in all, then the delivery fails. */
export const RETRY_DELAYS_SECONDS = [30, 120, 600, 1800, 3600, 7200] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/**
 * How long a claimed delivery is left alone: a dispatcher that dies mid-send is retried after it.
 * `claim_alert_deliveries` is passed it and leases a batch for this long on the database's clock, and
 * each delivery's lease starts again just before it is sent, so one send (5 s over HTTP, under a minute by email)
 * never outlives its lease, however long the batch before it took.
 */
export const LEASE_SECONDS = 300;

export type AlertDispatcher = {
  /** Sends every delivery that is due; resolves with how many it claimed. */
  runOnce(): Promise<number>;
  /** Polls every `intervalMs` until `stop`. */
  start(): void;
  stop(): Promise<void>;
};

type Log = (message: string, fields: Record<string, unknown>) => void;

type InOrganization = <T>(organizationId: string, work: (em: EntityManager) => Promise<T>) => Promise<T>;

/** One claimed delivery: its id, its organization, and the attempt count its claim set. */
type Claim = { id: string; organizationId: string; claim: number };

type DispatchScope = { inOrganization: InOrganization; secrets: SecretBox; mailer: Mailer; log: Log };

/**
 * Delivers the alert outbox. Claims due deliveries of every organization through the one
 * cross-tenant function (`claim_alert_deliveries`, which leases them with FOR UPDATE SKIP LOCKED,
 * so dispatchers on several servers never send one twice at once), then handles each inside its
 * own organization's scope: read the channel, send outside any transaction, record the attempt.
 */
export function createAlertDispatcher({
  orm,
  mailer,
  secrets,
  intervalMs = 2000,
  batchSize = 20,
  log = () => {},
}: {
  orm: Orm;
  mailer: Mailer;
  /** Unseals channel secrets: the same key as the API's. */
  secrets: SecretBox;
  intervalMs?: number;
  batchSize?: number;
  log?: Log;
}): AlertDispatcher {
  const inOrganization: InOrganization = (organizationId, work) =>
    (orm.em.fork() as EntityManager).transactional(async (em) => {
      await enterOrganization(em, organizationId);
      return work(em);
    });

  const scope: DispatchScope = { inOrganization, secrets, mailer, log };

  async function runOnce() {
    const claimed = await orm.em
      .fork()
      .execute<{ delivery_id: string; organization_id: string; attempt_count: number }[]>(
        'select delivery_id, organization_id, attempt_count from claim_alert_deliveries(?, ?)',
        [batchSize, LEASE_SECONDS],
      );
    for (const { delivery_id, organization_id, attempt_count } of claimed) {
      try {
        await deliverOne(scope, { id: delivery_id, organizationId: organization_id, claim: attempt_count });
      } catch (error) {
        // Left leased: it is tried again once the lease ends, unless it has used up its attempts.
        log('alert delivery crashed', { deliveryId: delivery_id, error: (error as Error).message });
        await giveUpIfExhausted(inOrganization, delivery_id, organization_id).catch(() => {});
      }
    }
    return claimed.length;
  }

  return pollEvery({ runOnce, intervalMs, batchSize, log });
}

/**
 * Sends one claimed delivery, if the claim (the attempt count the claim set) is still the latest:
 * a dispatcher whose lease ran out and was claimed again elsewhere leaves it to the new holder.
 */
async function deliverOne({ inOrganization, secrets, mailer, log }: DispatchScope, claim: Claim) {
  const found = await readClaimed(inOrganization, secrets, claim);
  if (!found) return;
  const now = new Date();
  const started = performance.now();
  const { address, enabled } = found.channel;
  const result: DeliveryResult = !enabled
    ? { ok: false, status: null, error: 'the channel is disabled' }
    : address
      ? await deliverAlert(address, describeAlert(claim.id, found.delivery.event, found.delivery.payload, now), mailer)
      : { ok: false, status: null, error: UNREADABLE_SECRET };
  const durationMs = performance.now() - started;
  await recordOutcome(inOrganization, log, {
    ...claim,
    channel: { enabled, name: found.channel.name },
    result,
    at: now,
    durationMs,
  });
}

/** A delivery that crashes every time still stops after MAX_ATTEMPTS claims. */
async function giveUpIfExhausted(inOrganization: InOrganization, id: string, organizationId: string) {
  await inOrganization(organizationId, (em) =>
    em.nativeUpdate(
      AlertDelivery,
      { id, status: 'pending', attemptCount: { $gte: MAX_ATTEMPTS } },
      { status: 'failed', nextAttemptAt: null },
    ),
  );
}

/** Polls `runOnce` every `intervalMs` between `start` and `stop`; a full batch goes again at once. */
function pollEvery({
  runOnce,
  intervalMs,
  batchSize,
  log,
}: {
  runOnce: () => Promise<number>;
  intervalMs: number;
  batchSize: number;
  log: Log;
}): AlertDispatcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = runOnce()
      .catch((error: Error) => {
        log('alert dispatcher failed', { error: error.message });
        return 0;
      })
      .then((tried) => {
        // A full batch means more may be due: go again at once rather than after the interval.
        if (timer) timer = setTimeout(tick, tried === batchSize ? 0 : intervalMs);
      });
  };
  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setTimeout(tick, intervalMs);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * Starts the delivery's lease again and reads what sending needs; null when the claim is no longer
 * the latest (the delivery was claimed again elsewhere, or is no longer pending).
 */
function readClaimed(inOrganization: InOrganization, secrets: SecretBox, { id, organizationId, claim }: Claim) {
  return inOrganization(organizationId, async (em) => {
    const renewed = await em.execute<{ id: string }[]>(
      `update alert_delivery set next_attempt_at = now() + make_interval(secs => ?)
        where id = ? and status = 'pending' and attempt_count = ? returning id`,
      [LEASE_SECONDS, id, claim],
    );
    if (renewed.length === 0) return null;
    const delivery = await em.findOneOrFail(AlertDelivery, { id }, { populate: ['channel', 'channel.secret'] });
    const { enabled, name } = delivery.channel;
    return {
      delivery: { event: delivery.event, payload: delivery.payload },
      // A disabled channel's secret is not even opened.
      channel: { address: enabled ? channelAddress(delivery.channel, secrets) : null, enabled, name },
    };
  });
}

/** Records the attempt and what follows it: delivered, failed for good, or the next try's time. */
function recordOutcome(
  inOrganization: InOrganization,
  log: Log,
  {
    id,
    organizationId,
    claim,
    channel,
    result,
    at,
    durationMs,
  }: Claim & {
    channel: { enabled: boolean; name: string };
    result: DeliveryResult;
    at: Date;
    durationMs: number;
  },
) {
  return inOrganization(organizationId, async (em) => {
    const delivery = await em.findOne(AlertDelivery, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    // Only the holder of the latest claim records: an older claim's late result changes nothing.
    if (delivery?.status !== 'pending' || delivery.attemptCount !== claim) return;
    recordAttempt(delivery, result, at, durationMs);
    if (result.ok) {
      delivery.status = 'delivered';
      delivery.deliveredAt = new Date();
      delivery.nextAttemptAt = null;
    } else if (!channel.enabled || delivery.attemptCount >= MAX_ATTEMPTS) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = null;
    } else {
      const wait = RETRY_DELAYS_SECONDS[delivery.attemptCount - 1] ?? RETRY_DELAYS_SECONDS.at(-1) ?? 60;
      delivery.nextAttemptAt = new Date(Date.now() + wait * 1000);
    }
    await em.flush();
    if (!result.ok) {
      // The channel's id and the reason only: its URL or key never reaches the log.
      log('alert delivery failed', {
        deliveryId: id,
        channel: channel.name,
        error: result.error,
        attempt: delivery.attemptCount,
        status: delivery.status,
      });
    }
  });
}
