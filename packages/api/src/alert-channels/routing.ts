import type { EntityManager } from '@mikro-orm/postgresql';
import { type AlertRouting, type AlertSeverity, Project } from '@strictops/db';
import { AppError } from '../errors.ts';

/** What routing looks at in an alert. */
export type AlertRoute = { severity: AlertSeverity; projectId: string | null; environment: string | null };

/** Routing as responses show it: null lets everything through. */
export const routingView = (routing: AlertRouting) => ({
  severities: (routing.severities ?? null) as AlertSeverity[] | null,
  projectIds: routing.projectIds ?? null,
  environments: routing.environments ?? null,
});

/**
 * Whether a channel receives an alert: every list the channel sets must name the alert's value. An
 * alert with no project (or environment) passes no project (or environment) list.
 */
export function routes(routing: AlertRouting, route: AlertRoute): boolean {
  const allows = (list: string[] | null | undefined, value: string | null) =>
    !list || (value !== null && list.includes(value));
  return (
    allows(routing.severities, route.severity) &&
    allows(routing.projectIds, route.projectId) &&
    allows(routing.environments, route.environment)
  );
}

const sortedUnique = (values: string[] | null | undefined) => (values ? [...new Set(values)].sort() : null);

/**
 * The routing a channel stores, from what the caller sent: lists deduplicated and sorted, and every
 * project one of this organization's (another organization's id is not found, as everywhere).
 */
export async function routingFor(em: EntityManager, input: AlertRouting | undefined): Promise<AlertRouting> {
  if (!input) return {};
  const routing = {
    severities: sortedUnique(input.severities),
    projectIds: sortedUnique(input.projectIds),
    environments: sortedUnique(input.environments),
  };
  if (routing.projectIds) {
    const found = new Set(
      (await em.find(Project, { id: { $in: routing.projectIds } }, { fields: ['id'] })).map((p) => p.id),
    );
    const missing = (input.projectIds ?? []).findIndex((id) => !found.has(id));
    if (missing >= 0) {
      throw new AppError('PROJECT_NOT_FOUND', 'Project not found', { field: `routing.projectIds.${missing}` });
    }
  }
  return Object.fromEntries(Object.entries(routing).filter(([, list]) => list !== null));
}
