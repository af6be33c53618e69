import type { EntityManager } from '@mikro-orm/postgresql';
import { Environment, Resource, Service } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { lockOrganization } from '../entitlements/usage.ts';
import type { Authorize } from '../policy.ts';
import { assertPlannable, updateStacks } from '../stacks/stacks.service.ts';
import { protectedOnCreate } from './environments.service.ts';
import { loadProject } from './projects.service.ts';
import { parseConfig } from './strictops-yml.ts';

/** A dry run: every problem of the text, or the configuration it normalizes to. */
export async function validateConfig(em: EntityManager, { id, yaml }: { id: string; yaml: string }) {
  await loadProject(em, id);
  const result = parseConfig(yaml);
  return result.ok
    ? { valid: true, problems: [], config: result.config as Record<string, unknown> }
    : { valid: false, problems: result.problems, config: null };
}

/**
 * Applies a strictops.yml in the request's transaction: replaces the project's services and
 * resources, creates the environments it names that do not exist, and records the text, its
 * SHA-256 and a new revision. A `stacks:` section that changes the strategy or region goes through
 * the same rules as `projects.updateStacks` (confirmed moves, protected environments), and every
 * environment's plan must fit CloudFormation's limits. Invalid text changes nothing; the same text
 * twice is a no-op.
 */
export async function applyConfig(
  em: EntityManager,
  {
    audit,
    authorize,
    id,
    yaml,
    confirmResourceMoves,
  }: { audit: AuditScope; authorize: Authorize; id: string; yaml: string; confirmResourceMoves?: string[] },
) {
  // Locked before the project is read, as every creation of environments is (environments.service.ts).
  await lockOrganization(em, audit.organizationId);
  const project = await loadProject(em, id);
  const result = parseConfig(yaml);
  if (!result.ok) return { applied: false as const, problems: result.problems };
  if (project.configSha256 === result.sha256) {
    return {
      applied: true as const,
      outcome: {
        changed: false,
        revision: project.configRevision,
        sha256: result.sha256,
        services: Object.keys(result.config.services).length,
        resources: Object.keys(result.config.resources).length,
        environmentsCreated: [] as string[],
        stacks: null,
      },
    };
  }
  const { config } = result;
  await em.nativeDelete(Service, { project: project.id });
  await em.nativeDelete(Resource, { project: project.id });
  for (const [name, service] of Object.entries(config.services)) {
    const { type, ...settings } = service;
    em.create(Service, { organization: audit.organizationId, project, name, type, settings });
  }
  for (const [name, resource] of Object.entries(config.resources)) {
    const { kind, engine, ...settings } = resource;
    em.create(Resource, { organization: audit.organizationId, project, name, kind, engine: engine ?? null, settings });
  }
  const existing = new Set((await em.find(Environment, { project: project.id })).map((e) => e.name));
  const environmentsCreated: string[] = [];
  for (const [name, environment] of Object.entries(config.environments)) {
    if (existing.has(name)) continue;
    em.create(Environment, {
      organization: audit.organizationId,
      project,
      name,
      protected: protectedOnCreate(project, name, environment.protected ?? false),
    });
    environmentsCreated.push(name);
  }
  const before = { revision: project.configRevision, sha256: project.configSha256 };
  project.config = config as Record<string, unknown>;
  project.configRaw = yaml;
  project.configSha256 = result.sha256;
  project.configRevision += 1;
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'project.config_applied',
    target: { type: 'project', id: project.id, display: project.name },
    changes: {
      revision: { before: before.revision, after: project.configRevision },
      sha256: { before: before.sha256, after: result.sha256 },
    },
  });
  const { strategy, region } = config.stacks ?? {};
  const stacks =
    (strategy && strategy !== project.stackStrategy) || (region && region !== project.stackRegion)
      ? await updateStacks(em, { audit, authorize, id: project.id, strategy, region, confirmResourceMoves })
      : null;
  if (!stacks) await assertPlannable(em, project);
  return {
    applied: true as const,
    outcome: {
      changed: true,
      revision: project.configRevision,
      sha256: result.sha256,
      services: Object.keys(config.services).length,
      resources: Object.keys(config.resources).length,
      environmentsCreated,
      stacks,
    },
  };
}
