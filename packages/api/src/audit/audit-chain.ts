import { sha256Hex } from '../shared/hashing.ts';

/** The fields an event's hash covers, in a fixed order, so the hash is reproducible from a row. */
export type ChainedFields = {
  id: string;
  organizationId: string;
  occurredAt: Date;
  actorType: string;
  actorId: string;
  actorDisplay: string;
  action: string;
  targetType: string;
  targetId: string;
  targetDisplay: string | null;
  changes: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  outcome: string;
  prevHash: string | null;
};

/** JSON with object keys sorted at every depth: jsonb does not keep key order, the hash must not care. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

export function eventHash(f: ChainedFields): string {
  const covered = [
    f.id,
    f.organizationId,
    f.occurredAt.toISOString(),
    f.actorType,
    f.actorId,
    f.actorDisplay,
    f.action,
    f.targetType,
    f.targetId,
    f.targetDisplay,
    f.changes ?? null,
    f.ip,
    f.userAgent,
    f.requestId,
    f.outcome,
    f.prevHash,
  ];
  return sha256Hex(canonical(covered));
}
