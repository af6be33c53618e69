/**
 * The WHERE clause of a hand-written query: the organization first (scoped by hand, and row-level
 * security scopes it again), then each condition whose value is set. A condition's value is bound
 * to its `?` (a condition without one is only switched on by it).
 */
export function scopedWhere(
  organizationId: string,
  conditions: [sql: string, value: unknown][],
  column = 'organization_id',
) {
  const set = conditions.filter(([, value]) => value !== undefined);
  return {
    sql: [`${column} = ?`, ...set.map(([sql]) => sql)].join(' and '),
    params: [organizationId, ...set.filter(([sql]) => sql.includes('?')).map(([, value]) => value)],
  };
}

/** A timestamp column of a raw row (the driver hands them over as text) as a Date. */
export const dateOf = (value: string | Date) => new Date(value);
export const optionalDateOf = (value: string | Date | null) => (value === null ? null : new Date(value));
