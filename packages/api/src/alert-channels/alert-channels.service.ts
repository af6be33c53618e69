import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertChannel, type AlertChannelType, type AlertDelivery, type AlertRouting, uuidv7 } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import { keysetPage } from '../shared/pagination.ts';
import { dateOf, optionalDateOf } from '../shared/sql.ts';
import { parseChannelTarget } from './channel-targets.ts';
import { newSigningSecret } from './notifications.ts';
import { routingFor, routingView } from './routing.ts';
import type { SecretBox } from './secret-box.ts';

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
