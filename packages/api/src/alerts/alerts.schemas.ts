import { ACTOR_TYPES, ALERT_SEVERITIES, ALERT_STATUSES } from '@strictops/db';
import { z } from 'zod';
import { PageFields, pageDto } from '../shared/pagination.ts';

/** An environment's name as monitoring sends it: any case, stored lower-case like environments are named. */
const AlertEnvironment = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'Lower-case letters, digits and hyphens, starting with a letter');

export const AlertDto = z.object({
  id: z.uuid(),
  projectId: z.uuid().nullable(),
  environment: z.string().nullable(),
  severity: z.enum(ALERT_SEVERITIES),
  title: z.string(),
  details: z.string().nullable().describe('As of the latest raise'),
  dedupKey: z.string(),
  source: z.string().describe('The monitoring source that raised it'),
  status: z.enum(ALERT_STATUSES),
  repeats: z.number().int().describe('Raises of the same key while it was open, after the first'),
  openedAt: z.date(),
  lastRaisedAt: z.date(),
  acknowledgedAt: z.date().nullable(),
  acknowledgedBy: z.object({ type: z.enum(ACTOR_TYPES), id: z.string(), display: z.string() }).nullable(),
  resolvedAt: z.date().nullable(),
});

export const RaiseAlertInput = z.strictObject({
  organizationId: z.uuid(),
  projectId: z.uuid().optional(),
  environment: AlertEnvironment.optional().describe('With a project: one of its environments'),
  severity: z.enum(ALERT_SEVERITIES),
  title: z.string().trim().min(1).max(200),
  details: z.string().trim().max(4000).optional(),
  dedupKey: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .describe('Raises with the same key are one alert while it is open; a raise after it resolved opens another'),
  source: z.string().trim().min(1).max(64),
});
export const RaisedAlertDto = z.object({
  alert: AlertDto,
  opened: z.boolean().describe('False for a repeat of an open alert: counted, and nobody notified again'),
});

export const ResolveAlertInput = z.strictObject({
  organizationId: z.uuid(),
  dedupKey: z.string().trim().min(1).max(255),
});
export const ResolvedAlertDto = z.object({
  resolved: z.boolean().describe('False when no alert with this key was open: nothing changed'),
  alert: AlertDto.nullable(),
});

export const ListAlertsInput = z.strictObject({
  status: z
    .enum([...ALERT_STATUSES, 'unresolved'])
    .optional()
    .describe('unresolved: open or acknowledged'),
  projectId: z.uuid().optional(),
  environment: AlertEnvironment.optional(),
  severity: z.enum(ALERT_SEVERITIES).optional(),
  ...PageFields,
});
export const AlertPageDto = pageDto(AlertDto);
export const AlertRef = z.strictObject({ id: z.uuid() });
