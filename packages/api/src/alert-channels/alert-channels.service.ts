import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type AlertAttempt,
  AlertChannel,
  type AlertChannelType,
  AlertDelivery,
  type AlertRouting,
  uuidv7,
} from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import type { Mailer } from '../invitations/mailer.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import type { RunInTransaction } from '../trpc/transaction.ts';
import { type AlertEvent, describeAlert } from './alert-messages.ts';
import { parseChannelTarget } from './channel-targets.ts';
import { type ChannelAddress, deliverAlert, newSigningSecret } from './notifications.ts';
import { routingFor, routingView } from './routing.ts';
import type { DeliveryResult } from './safe-http.ts';
import type { SecretBox } from './secret-box.ts';

/** How many attempts a delivery keeps in its log. */
export const ATTEMPTS_KEPT = 10;

const view = (c: AlertChannel) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  target: c.target,
  enabled: c.enabled,
  routing: routingView(c.routing),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export async function loadChannel(em: EntityManager, id: string, options: { withSecret?: boolean } = {}) {
  const channel = await em.findOne(AlertChannel, { id }, options.withSecret ? { populate: ['secret'] } : {});
  if (!channel) throw new AppError('ALERT_CHANNEL_NOT_FOUND', 'Alert channel not found', { field: 'id' });
  return channel;
}

/** Why a delivery failed when this server cannot open the channel's secret. */
export const UNREADABLE_SECRET = 'this server cannot open the channel’s secret (was STRICTOPS_SECRETS_KEY changed?)';

/**
 * What delivery needs of a channel, its secret unsealed; null when this server cannot open it (a
 * different key): that is a failed delivery with a reason, like any other, not a crash.
 */
export function channelAddress(
  channel: Pick<AlertChannel, 'id' | 'type' | 'target' | 'secret'>,
  secrets: SecretBox,
): ChannelAddress | null {
  try {
    return {
      type: channel.type,
      target: channel.target,
      secret: channel.secret ? secrets.open(channel.secret, channel.id) : null,
    };
  } catch {
    return null;
  }
}

/** A duplicate name is a clear error, not a failed transaction. */
const flushNamed = (em: EntityManager) =>
  flushOrDuplicate(
    em,
    (cause) =>
      new AppError('CHANNEL_NAME_TAKEN', 'This organization has an alert channel with this name', {
        field: 'name',
        cause,
      }),
  );

export async function createAlertChannel(
  em: EntityManager,
  input: {
    audit: AuditScope;
    secrets: SecretBox;
    name: string;
    type: AlertChannelType;
    target: string;
    enabled: boolean;
    routing?: AlertRouting;
  },
) {
  const { audit, secrets, name, type, enabled } = input;
  const address = parseChannelTarget(type, input.target);
  const routing = await routingFor(em, input.routing);
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'alertChannels' });
  const signingSecret = type === 'webhook' ? newSigningSecret() : null;
  const secret = signingSecret ?? address.secret;
  // The id is made here rather than at insert: the sealed secret is bound to it.
  const id = uuidv7();
  const channel = em.create(AlertChannel, {
    id,
    organization: audit.organizationId,
    name,
    type,
    enabled,
    routing,
    target: address.target,
    secret: secret === null ? null : secrets.seal(secret, id),
  });
  await flushNamed(em);
  await recordAuditEvent(em, audit, {
    action: 'alert_channel.created',
    target: { type: 'alert_channel', id: channel.id, display: name },
    changes: {
      type: { after: type },
      target: { after: address.target },
      enabled: { after: enabled },
      routing: { after: routingView(routing) },
    },
  });
  return { channel: view(channel), signingSecret };
}

export async function updateAlertChannel(
  em: EntityManager,
  input: {
    audit: AuditScope;
    secrets: SecretBox;
    id: string;
    name?: string;
    target?: string;
    enabled?: boolean;
    /** Replaces the channel's routing whole. */
    routing?: AlertRouting;
  },
) {
  const channel = await loadChannel(em, input.id);
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  if (input.routing !== undefined) {
    const routing = await routingFor(em, input.routing);
    const [before, after] = [routingView(channel.routing), routingView(routing)];
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      changes.routing = { before, after };
      channel.routing = routing;
    }
  }
  if (input.name !== undefined && input.name !== channel.name) {
    changes.name = { before: channel.name, after: input.name };
    channel.name = input.name;
  }
  if (input.enabled !== undefined && input.enabled !== channel.enabled) {
    changes.enabled = { before: channel.enabled, after: input.enabled };
    channel.enabled = input.enabled;
  }
  if (input.target !== undefined) {
    const address = parseChannelTarget(channel.type, input.target);
    // Only the shown form is compared and recorded: a new Slack URL or routing key shows as its mask.
    changes.target = { before: channel.target, after: address.target };
    channel.target = address.target;
    // A webhook keeps its signing secret when its URL changes.
    if (channel.type !== 'webhook') {
      channel.secret = address.secret === null ? null : input.secrets.seal(address.secret, channel.id);
    }
  }
  if (Object.keys(changes).length === 0) return view(channel);
  await flushNamed(em);
  await recordAuditEvent(em, input.audit, {
    action: 'alert_channel.updated',
    target: { type: 'alert_channel', id: channel.id, display: channel.name },
    changes,
  });
  return view(channel);
}

export async function deleteAlertChannel(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const channel = await loadChannel(em, id);
  em.remove(channel);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'alert_channel.deleted',
    target: { type: 'alert_channel', id, display: channel.name },
  });
  return { ok: true as const };
}

export async function listAlertChannels(em: EntityManager) {
  const channels = await em.find(AlertChannel, {}, { orderBy: { name: 'asc' } });
  return { items: channels.map(view) };
}

/** Adds one attempt to a delivery's log, keeping the latest few. */
export function recordAttempt(delivery: AlertDelivery, result: DeliveryResult, at: Date, durationMs: number) {
  const attempt: AlertAttempt = {
    at: at.toISOString(),
    statusCode: result.status,
    error: result.error,
    durationMs: Math.round(durationMs),
  };
  delivery.attempts = [...delivery.attempts, attempt].slice(-ATTEMPTS_KEPT);
}

/**
 * A test send waits on an endpoint the organization chose. It holds no database connection while
 * it waits, but a deliberately slow endpoint could still tie up this process's sockets and its
 * requests' time for everyone: this many run at once, per organization and per server process;
 * more are refused at once with `ALERT_TEST_BUSY`.
 */
export const TEST_SENDS_AT_ONCE = { perOrganization: 2, perProcess: 4 };
const testSendsInFlight = { total: 0, byOrganization: new Map<string, number>() };

async function inTestSendSlot<T>(organizationId: string, send: () => Promise<T>): Promise<T> {
  const mine = testSendsInFlight.byOrganization.get(organizationId) ?? 0;
  if (mine >= TEST_SENDS_AT_ONCE.perOrganization || testSendsInFlight.total >= TEST_SENDS_AT_ONCE.perProcess) {
    throw new AppError('ALERT_TEST_BUSY', 'Other test alerts are still being sent: try again in a few seconds', {
      retryAfterSeconds: 5,
    });
  }
  testSendsInFlight.total++;
  testSendsInFlight.byOrganization.set(organizationId, mine + 1);
  try {
    return await send();
  } finally {
    testSendsInFlight.total--;
    const left = (testSendsInFlight.byOrganization.get(organizationId) ?? 1) - 1;
    if (left > 0) testSendsInFlight.byOrganization.set(organizationId, left);
    else testSendsInFlight.byOrganization.delete(organizationId);
  }
}

/**
 * Sends a test alert now, through the same code as real ones, and reports the outcome: a status
 * code or a reason, never what the remote answered in its body. The try joins the delivery log.
 *
 * The send runs with no transaction open (a slow endpoint holds no database connection): the
 * channel is read in a short transaction, and the try recorded in another, which finds the channel
 * again (deleted meanwhile: ALERT_CHANNEL_NOT_FOUND, and nothing is recorded).
 */
export async function testAlertChannel(
  transaction: RunInTransaction,
  { audit, id, mailer, secrets }: { audit: AuditScope; id: string; mailer: Mailer; secrets: SecretBox },
) {
  const channel = await transaction(async (em) => {
    const found = await loadChannel(em, id, { withSecret: true });
    return { id: found.id, name: found.name, address: channelAddress(found, secrets) };
  });
  const now = new Date();
  const deliveryId = uuidv7();
  const event = 'alert.test' satisfies AlertEvent;
  const payload = { channel: { id: channel.id, name: channel.name } };
  const started = performance.now();
  const { address } = channel;
  const result: DeliveryResult = address
    ? await inTestSendSlot(audit.organizationId, () =>
        deliverAlert(address, describeAlert(deliveryId, event, payload, now), mailer),
      )
    : { ok: false, status: null, error: UNREADABLE_SECRET };
  const durationMs = performance.now() - started;
  return transaction(async (em) => {
    const found = await loadChannel(em, id);
    const delivery = em.create(AlertDelivery, {
      id: deliveryId,
      organization: audit.organizationId,
      channel: found,
      event,
      payload,
      status: result.ok ? 'delivered' : 'failed',
      attemptCount: 1,
      attempts: [],
      deliveredAt: result.ok ? new Date() : null,
    });
    recordAttempt(delivery, result, now, durationMs);
    await em.flush();
    await recordAuditEvent(em, audit, {
      action: 'alert_channel.tested',
      target: { type: 'alert_channel', id: found.id, display: found.name },
      changes: { result: { after: result.ok ? 'delivered' : (result.error ?? 'failed') } },
    });
    return { ok: result.ok, statusCode: result.status, error: result.error };
  });
}

/** The channel's delivery log, newest first. */
type DeliveryRow = {
  id: string;
  event: string;
  status: AlertDelivery['status'];
  attempt_count: number;
  attempts: AlertDelivery['attempts'] | string;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
};

/** A channel's deliveries, newest first: the channel is looked up (NOT_FOUND), then plain rows. */
export async function listDeliveries(
  em: EntityManager,
  { organizationId, id, cursor, limit }: { organizationId: string; id: string; cursor?: string; limit: number },
) {
  await loadChannel(em, id);
  return keysetPage(
    em,
    {
      select: `select id, event, status, attempt_count, attempts, next_attempt_at, created_at, delivered_at
                 from "alert_delivery"`,
      organizationId,
      filters: [['channel_id = ?', id]],
      key: 'id',
      order: 'desc',
      cursor,
      limit,
    },
    (row: DeliveryRow) => ({
      id: row.id,
      event: row.event,
      status: row.status,
      attemptCount: row.attempt_count,
      attempts: typeof row.attempts === 'string' ? JSON.parse(row.attempts) : row.attempts,
      nextAttemptAt: optionalDateOf(row.next_attempt_at),
      createdAt: dateOf(row.created_at),
      deliveredAt: optionalDateOf(row.delivered_at),
    }),
  );
}
