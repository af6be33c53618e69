import type { EntityManager } from '@mikro-orm/postgresql';
import { Deployment, Environment } from '@strictops/db';
import { type AuditScope, diff, recordAuditEvent } from '../audit/audit.service.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../flush.ts';
import { loadProject } from './projects.service.ts';

const view = (e: Environment) => ({
  id: e.id,
  projectId: e.project.id,
  name: e.name,
  protected: e.protected,
  createdAt: e.createdAt,
});

const nameTaken = (name: string, cause: unknown) =>
  new AppError('CONFLICT', `This project has an environment named "${name}" already`, { field: 'name', cause });

async function loadEnvironment(em: EntityManager, id: string) {
  const environment = await em.findOne(Environment, { id });
  if (!environment) throw new AppError('ENVIRONMENT_NOT_FOUND', 'Environment not found', { field: 'id' });
  return environment;
}

export async function createEnvironment(
  em: EntityManager,
  {
    audit,
    projectId,
    name,
    protected: isProtected,
  }: { audit: AuditScope; projectId: string; name: string; protected: boolean },
) {
  const project = await loadProject(em, projectId);
  await assertEntitled(em, {
    organizationId: audit.organizationId,
    limit: 'environmentsPerProject',
    parentId: project.id,
  });
  const environment = em.create(Environment, {
    organization: audit.organizationId,
    project,
    name,
    protected: isProtected,
  });
  await flushOrDuplicate(em, (error) => nameTaken(name, error));
  await recordAuditEvent(em, audit, {
    action: 'environment.created',
    target: { type: 'environment', id: environment.id, display: `${project.slug}/${name}` },
  });
  return view(environment);
}

export async function listEnvironments(em: EntityManager, projectId: string) {
  await loadProject(em, projectId);
  const environments = await em.find(Environment, { project: projectId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return { items: environments.map(view) };
}

export async function updateEnvironment(
  em: EntityManager,
  { audit, id, name, protected: isProtected }: { audit: AuditScope; id: string; name?: string; protected?: boolean },
) {
  const environment = await loadEnvironment(em, id);
  const changes = diff({ name: environment.name, protected: environment.protected }, { name, protected: isProtected });
  if (name !== undefined) environment.name = name;
  if (isProtected !== undefined) environment.protected = isProtected;
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

export async function deleteEnvironment(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const environment = await loadEnvironment(em, id);
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
  em.remove(environment);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'environment.deleted',
    target: { type: 'environment', id, display: environment.name },
  });
  return { ok: true as const };
}
