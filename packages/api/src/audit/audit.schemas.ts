import { ACTOR_TYPES, AUDIT_OUTCOMES } from '@strictops/db';
import { z } from 'zod';
import { DateInput, integerInput, optionalInput, SequenceCursor } from '../shared/schemas.ts';

export const ListAuditEventsInput = optionalInput(
  z.strictObject({
    actorId: z.string().max(64).optional(),
    action: z.string().max(64).optional(),
    targetType: z.string().max(64).optional(),
    targetId: z.string().max(64).optional(),
    from: DateInput.optional().describe('Inclusive lower bound of occurredAt'),
    to: DateInput.optional().describe('Exclusive upper bound of occurredAt'),
    cursor: SequenceCursor.optional().describe('The `nextCursor` of the previous page'),
    limit: integerInput().min(1).max(200).default(50),
  }),
);

export const AuditEventDto = z.object({
  id: z.uuid(),
  seq: z.string(),
  occurredAt: z.date(),
  actor: z.object({ type: z.enum(ACTOR_TYPES), id: z.string(), display: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string(), display: z.string().nullable() }),
  changes: z.record(z.string(), z.object({ before: z.unknown().optional(), after: z.unknown().optional() })).nullable(),
  context: z.object({
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  }),
  outcome: z.enum(AUDIT_OUTCOMES),
  hash: z.string(),
  prevHash: z.string().nullable(),
});

export const AuditEventListDto = z.object({ items: z.array(AuditEventDto), nextCursor: z.string().nullable() });

export const AuditVerificationDto = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBroken: z.object({ id: z.uuid(), seq: z.string(), reason: z.string() }).nullable(),
});

export const ExportAuditEventsInput = optionalInput(
  z.strictObject({
    format: z.enum(['ndjson', 'csv']).default('ndjson'),
    from: DateInput.optional(),
    to: DateInput.optional(),
  }),
);
