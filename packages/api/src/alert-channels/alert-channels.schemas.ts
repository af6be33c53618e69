import { ALERT_CHANNEL_TYPES, ALERT_DELIVERY_STATUSES, ALERT_SEVERITIES } from '@strictops/db';
import { z } from 'zod';
import { EnvironmentName } from '../environments/environments.schemas.ts';
import { PageFields } from '../shared/pagination.ts';

const AlertRoutingDto = z
  .object({
    severities: z.array(z.enum(ALERT_SEVERITIES)).nullable(),
    projectIds: z.array(z.uuid()).nullable(),
    environments: z.array(z.string()).nullable(),
  })
  .describe('Which monitoring alerts (and failed deployments) the channel receives; null lets all through');

const AlertRoutingInput = z
  .strictObject({
    severities: z.array(z.enum(ALERT_SEVERITIES)).min(1).max(3).nullable().optional(),
    projectIds: z.array(z.uuid()).min(1).max(100).nullable().optional(),
    environments: z.array(EnvironmentName).min(1).max(50).nullable().optional(),
  })
  .describe('Each list narrows what the channel receives; leave a list out (or null) to receive every value');

export const AlertChannelDto = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.enum(ALERT_CHANNEL_TYPES),
  target: z
    .string()
    .describe('The email address or webhook URL; for Slack and PagerDuty, a masked form of the secret URL or key'),
  enabled: z.boolean(),
  routing: AlertRoutingDto,
  createdAt: z.date(),
  updatedAt: z.date(),
});

const target = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .describe('email: an address; slack: the incoming-webhook URL; webhook: an https:// URL; pagerduty: the routing key');

export const CreateAlertChannelInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  type: z.enum(ALERT_CHANNEL_TYPES),
  target,
  enabled: z.boolean().default(true),
  routing: AlertRoutingInput.optional(),
});
export const CreatedAlertChannelDto = z.object({
  channel: AlertChannelDto,
  signingSecret: z
    .string()
    .nullable()
    .describe('webhook channels: the secret that signs every delivery. Shown this once, never again'),
});

export const UpdateAlertChannelInput = z.strictObject({
  id: z.uuid(),
  name: z.string().trim().min(1).max(100).optional(),
  target: target.optional(),
  enabled: z.boolean().optional(),
  routing: AlertRoutingInput.optional().describe('Replaces the routing whole'),
});
export const AlertChannelRef = z.strictObject({ id: z.uuid() });
export const AlertChannelListDto = z.object({ items: z.array(AlertChannelDto) });

export const TestResultDto = z.object({
  ok: z.boolean(),
  statusCode: z.number().int().nullable().describe('The remote’s HTTP status, when it answered'),
  error: z.string().nullable().describe('Why it failed; never the remote’s response body'),
});

const AttemptDto = z.object({
  at: z.string(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});
export const AlertDeliveryDto = z.object({
  id: z.uuid(),
  event: z.string(),
  status: z.enum(ALERT_DELIVERY_STATUSES),
  attemptCount: z.number().int(),
  attempts: z.array(AttemptDto).describe('The latest attempts, oldest first'),
  nextAttemptAt: z.date().nullable(),
  createdAt: z.date(),
  deliveredAt: z.date().nullable(),
});
export const ListDeliveriesInput = z.strictObject({ id: z.uuid(), ...PageFields });
export const AlertDeliveryPageDto = z.object({ items: z.array(AlertDeliveryDto), nextCursor: z.uuid().nullable() });
