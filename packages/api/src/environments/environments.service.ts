import type { EntityManager } from '@mikro-orm/postgresql';
import { Deployment, Environment, type Project } from '@strictops/db';
import { type AuditScope, diff, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertEntitled, lockOrganization } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import type { Authorize } from '../policy.ts';
import { loadProject } from '../projects/projects.service.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';

const view = (e: Environment) => ({
  id: e.id,
  projectId: e.project.id,
  name: e.name,
  protected: e.protected,
  createdAt: e.createdAt,
});

const nameTaken = (name: string, cause: unknown) =>
  new AppError('CONFLICT', `This project has an environment named "${name}" already`, { field: 'name', cause });

/** A project's environment by name (any case) or id; not found in another project or organization. */
export async function findEnvironmentOf(em: EntityManager, projectId: string, nameOrId: string, field = 'environment') {
  const key = nameOrId.toLowerCase();
  const environment = await em.findOne(Environment, {
    project: projectId,
    $or: [{ name: key }, ...(/^[0-9a-f-]{36}$/.test(key) ? [{ id: key }] : [])],
  });
  if (!environment) {
    throw new AppError('ENVIRONMENT_NOT_FOUND', `This project has no environment "${nameOrId}"`, { field });
  }
  return environment;
}

/**
 * The environment with its project, read under the organization's lock: an environment's protection
 * and its project's retired names change one request at a time, and every creation that reads the
 * retired names takes the same lock first.
 */
async function loadEnvironment(em: EntityManager, audit: AuditScope, id: string) {
  await lockOrganization(em, audit.organizationId);
  const environment = await em.findOne(Environment, { id }, { populate: ['project'] });
  if (!environment) throw new AppError('ENVIRONMENT_NOT_FOUND', 'Environment not found', { field: 'id' });
  return environment;
}

/**
 * Whether an environment created under `name` is protected: when asked to be, and always when the
 * name is that of a protected environment since deleted or renamed (the project forgets the name
 * then, so an admin may unprotect the new one as any other).
 */
export function protectedOnCreate(project: Project, name: string, asked: boolean): boolean {
  const retired = project.retiredProtectedNames.includes(name);
  if (retired) project.retiredProtectedNames = project.retiredProtectedNames.filter((n) => n !== name);
  return asked || retired;
}

/** A protected environment leaves its name: the project keeps it protected for whoever takes it next. */
function retireProtectedName(project: Project, name: string) {
  if (!project.retiredProtectedNames.includes(name))
    project.retiredProtectedNames = [...project.retiredProtectedNames, name];
}

export async function createEnvironment(
  em: EntityManager,
  {
    audit,
    projectId,
    name,
    protected: asked,
  }: { audit: AuditScope; projectId: string; name: string; protected: boolean },
) {
  // Locked before the project is read: its retired names are then current (see loadEnvironment).
  const locked = await lockOrganization(em, audit.organizationId);
  const project = await loadProject(em, projectId);
  await assertEntitled(em, {
    organizationId: audit.organizationId,
    limit: 'environmentsPerProject',
    parentId: project.id,
    locked,
  });
  const environment = em.create(Environment, {
    organization: audit.organizationId,
    project,
    name,
    protected: protectedOnCreate(project, name, asked),
  });
  await flushOrDuplicate(em, (error) => nameTaken(name, error));
  await recordAuditEvent(em, audit, {
    action: 'environment.created',
    target: { type: 'environment', id: environment.id, display: `${project.slug}/${name}` },
    changes: { protected: { after: environment.protected } },
  });
  return view(environment);
}

export async function listEnvironments(em: EntityManager, projectId: string) {
  await loadProject(em, projectId);
  const environments = await em.find(Environment, { project: projectId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return { items: environments.map(view) };
}

/**
 * Renames an environment or changes its protection. The policy decides who may: changing protection,
 * and renaming a protected environment, are for strictops_admin.
 */
export async function updateEnvironment(
  em: EntityManager,
  {
    audit,
    authorize,
    id,
    name,
    protected: isProtected,
  }: { audit: AuditScope; authorize: Authorize; id: string; name?: string; protected?: boolean },
) {
  const environment = await loadEnvironment(em, audit, id);
  const project = environment.project;
  const renamed = name !== undefined && name !== environment.name;
  // Taking the name of a protected environment since deleted or renamed takes its protection too.
  const inherits = renamed && project.retiredProtectedNames.includes(name);
  const protectedBefore = environment.protected || inherits;
  const protectedAfter = isProtected ?? protectedBefore;
  authorize('projects.write', {
    protectionChange: protectedAfter !== protectedBefore,
    protectedEnvironment: environment.protected && renamed,
  });
  const changes = diff(
    { name: environment.name, protected: environment.protected },
    { name, protected: protectedAfter },
  );
  if (renamed && environment.protected) retireProtectedName(project, environment.name);
  if (inherits) project.retiredProtectedNames = project.retiredProtectedNames.filter((n) => n !== name);
  if (name !== undefined) environment.name = name;
  environment.protected = protectedAfter;
  await flushOrDuplicate(em, (error) => nameTaken(name ?? '', error));
  if (changes) {
    await recordAuditEvent(em, audit, {
      action: 'environment.updated',
      target: { type: 'environment', id, display: environment.name },
      changes,
    });
  }
  return view(environment);
}

/** Deletes an environment that is not deploying; a protected one only for strictops_admin. */
export async function deleteEnvironment(
  em: EntityManager,
  { audit, authorize, id }: { audit: AuditScope; authorize: Authorize; id: string },
) {
  const environment = await loadEnvironment(em, audit, id);
  authorize('projects.write', { protectedEnvironment: environment.protected });
  const running = await em.count(Deployment, { environment: id, status: { $in: ['queued', 'in_progress'] } });
  if (running > 0) {
    throw new AppError(
      'DEPLOYMENTS_RUNNING',
      `${running} deployment(s) in this environment are queued or in progress`,
      {
        details: { running },
      },
    );
  }
  if (environment.protected) retireProtectedName(environment.project, environment.name);
  em.remove(environment);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'environment.deleted',
    target: { type: 'environment', id, display: environment.name },
  });
  return { ok: true as const };
}
