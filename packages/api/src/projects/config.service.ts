import type { EntityManager } from '@mikro-orm/postgresql';
import { Environment, type Project, Resource, Service } from '@strictops/db';
import { type AuditScope, recordAuditEvent } from '../audit/audit-writer.ts';
import { lockOrganization } from '../entitlements/usage.ts';
import { protectedOnCreate } from '../environments/environments.service.ts';
import type { Authorize } from '../policy.ts';
import { assertPlannable, updateStacks } from '../stacks/stacks.service.ts';
import { loadProject } from './projects.service.ts';
import { type ConfigResult, parseConfig, type StrictopsConfig } from './strictops-yml.ts';

/** A dry run: every problem of the text, or the configuration it normalizes to. */
export async function validateConfig(em: EntityManager, { id, yaml }: { id: string; yaml: string }) {
  await loadProject(em, id);
  const result = parseConfig(yaml);
  return result.ok
    ? { valid: true, problems: [], config: result.config as Record<string, unknown> }
    : { valid: false, problems: result.problems, config: null };
}

type ParsedConfig = Extract<ConfigResult, { ok: true }>;
type UpdatedStacks = Awaited<ReturnType<typeof updateStacks>> | null;

/** What `applyConfig` answers once the text is valid, whether it changed anything or not. */
function appliedOutcome(
  project: Project,
  { config, sha256 }: ParsedConfig,
  { changed, environmentsCreated, stacks }: { changed: boolean; environmentsCreated: string[]; stacks: UpdatedStacks },
) {
  return {
    applied: true as const,
    outcome: {
      changed,
      revision: project.configRevision,
      sha256,
      services: Object.keys(config.services).length,
      resources: Object.keys(config.resources).length,
      environmentsCreated,
      stacks,
    },
  };
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
    return appliedOutcome(project, result, { changed: false, environmentsCreated: [], stacks: null });
  }
  const { config } = result;
  await replaceServicesAndResources(em, { organizationId: audit.organizationId, project, config });
  const environmentsCreated = await createMissingEnvironments(em, {
    organizationId: audit.organizationId,
    project,
    config,
  });
  await recordRevision(em, { audit, project, yaml, parsed: result });
  const { strategy, region } = config.stacks ?? {};
  const stacks =
    (strategy && strategy !== project.stackStrategy) || (region && region !== project.stackRegion)
      ? await updateStacks(em, { audit, authorize, id: project.id, strategy, region, confirmResourceMoves })
      : null;
  if (!stacks) await assertPlannable(em, project);
  return appliedOutcome(project, result, { changed: true, environmentsCreated, stacks });
}

type ConfigTarget = { organizationId: string; project: Project; config: StrictopsConfig };

/** The project's services and resources become the configuration's, whole. */
async function replaceServicesAndResources(em: EntityManager, { organizationId, project, config }: ConfigTarget) {
  await em.nativeDelete(Service, { project: project.id });
  await em.nativeDelete(Resource, { project: project.id });
  for (const [name, service] of Object.entries(config.services)) {
    const { type, ...settings } = service;
    em.create(Service, { organization: organizationId, project, name, type, settings });
  }
  for (const [name, resource] of Object.entries(config.resources)) {
    const { kind, engine, ...settings } = resource;
    em.create(Resource, { organization: organizationId, project, name, kind, engine: engine ?? null, settings });
  }
}

/** Creates the environments the configuration names that the project lacks; none is ever deleted. */
async function createMissingEnvironments(em: EntityManager, { organizationId, project, config }: ConfigTarget) {
  const existing = new Set((await em.find(Environment, { project: project.id })).map((e) => e.name));
  const created: string[] = [];
  for (const [name, environment] of Object.entries(config.environments)) {
    if (existing.has(name)) continue;
    em.create(Environment, {
      organization: organizationId,
      project,
      name,
      protected: protectedOnCreate(project, name, environment.protected ?? false),
    });
    created.push(name);
  }
  return created;
}

/** Stores the text as the project's next revision and records the change in the audit log. */
async function recordRevision(
  em: EntityManager,
  { audit, project, yaml, parsed }: { audit: AuditScope; project: Project; yaml: string; parsed: ParsedConfig },
) {
  const before = { revision: project.configRevision, sha256: project.configSha256 };
  project.config = parsed.config as Record<string, unknown>;
  project.configRaw = yaml;
  project.configSha256 = parsed.sha256;
  project.configRevision += 1;
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'project.config_applied',
    target: { type: 'project', id: project.id, display: project.name },
    changes: {
      revision: { before: before.revision, after: project.configRevision },
      sha256: { before: before.sha256, after: parsed.sha256 },
    },
  });
}
