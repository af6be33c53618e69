import type { EntityManager } from '@mikro-orm/postgresql';
import { Deployment, Environment, Project } from '@strictops/db';
import { type AuditScope, diff, recordAuditEvent } from '../audit/audit-writer.ts';
import { assertLinkable } from '../aws-connections/aws-connections.service.ts';
import { assertEntitled } from '../entitlements/usage.ts';
import { AppError } from '../errors.ts';
import { flushOrDuplicate } from '../shared/database-errors.ts';
import { keyset, toPage } from '../shared/pagination.ts';
import { slugFor } from '../shared/slugs.ts';
import { dateOf, scopedWhere } from '../shared/sql.ts';

/** Every new project starts with these; production is protected (deploying there needs an admin). */
export const DEFAULT_ENVIRONMENTS = [
  { name: 'dev', protected: false },
  { name: 'staging', protected: false },
  { name: 'production', protected: true },
] as const;

const RUNNING = ['queued', 'in_progress'] as const;

export const projectNotFound = () => new AppError('PROJECT_NOT_FOUND', 'Project not found', { field: 'id' });

type LatestDeployment = {
  id: string;
  environment_id: string;
  status: Deployment['status'];
  ref: string;
  commit_sha: string | null;
  queued_at: string;
};

/** Projects with their environments and each environment's latest deployment, in two queries. */
async function views(em: EntityManager, projects: Project[]) {
  if (projects.length === 0) return [];
  const environments = await em.find(
    Environment,
    { project: { $in: projects.map((p) => p.id) } },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  const latest = environments.length
    ? await em.execute<LatestDeployment[]>(
        `select distinct on (environment_id) id, environment_id, status, ref, commit_sha, queued_at
           from "deployment" where organization_id = ? and environment_id = any(?::uuid[])
          order by environment_id, queued_at desc, id desc`,
        [projects[0]?.organization.id, `{${environments.map((e) => e.id).join(',')}}`],
      )
    : [];
  const byEnvironment = new Map(latest.map((d) => [d.environment_id, d]));
  return projects.map((project) => ({
    id: project.id,
    name: project.name,
    slug: project.slug,
    awsConnectionId: project.awsConnectionId ?? null,
    configRevision: project.configRevision ?? 0,
    configSha256: project.configSha256 ?? null,
    stacks: { strategy: project.stackStrategy, region: project.stackRegion },
    createdAt: project.createdAt,
    environments: environments
      .filter((e) => e.project.id === project.id)
      .map((e) => {
        const d = byEnvironment.get(e.id);
        return {
          id: e.id,
          projectId: project.id,
          name: e.name,
          protected: e.protected,
          createdAt: e.createdAt,
          latestDeployment: d
            ? { id: d.id, status: d.status, ref: d.ref, commitSha: d.commit_sha, queuedAt: new Date(d.queued_at) }
            : null,
        };
      }),
  }));
}

type ProjectView = Awaited<ReturnType<typeof views>>[number];

async function viewOf(em: EntityManager, project: Project) {
  const [view] = await views(em, [project]);
  if (!view) throw new Error(`no view for project ${project.id}`);
  return view;
}

export async function loadProject(em: EntityManager, id: string) {
  const project = await em.findOne(Project, { id });
  if (!project) throw projectNotFound();
  return project;
}

function slugTaken(slug: string, cause: unknown) {
  return new AppError('SLUG_TAKEN', `A project with the slug "${slug}" exists already`, { field: 'slug', cause });
}

export async function createProject(
  em: EntityManager,
  { audit, name, slug }: { audit: AuditScope; name: string; slug?: string },
) {
  await assertEntitled(em, { organizationId: audit.organizationId, limit: 'projects' });
  const candidate = await slugFor({
    chosen: slug,
    name,
    taken: async (derived) => (await em.count(Project, { slug: derived })) > 0,
  });
  const project = em.create(Project, { organization: audit.organizationId, name, slug: candidate });
  for (const environment of DEFAULT_ENVIRONMENTS) {
    em.create(Environment, { organization: audit.organizationId, project, ...environment });
  }
  await flushOrDuplicate(em, (error) => slugTaken(candidate, error));
  await recordAuditEvent(em, audit, {
    action: 'project.created',
    target: { type: 'project', id: project.id, display: name },
  });
  return viewOf(em, project);
}

type ProjectPageRow = {
  id: string;
  name: string;
  slug: string;
  aws_connection_id: string | null;
  config_revision: number;
  config_sha256: string | null;
  stack_strategy: ProjectView['stacks']['strategy'];
  stack_region: string;
  created_at: string;
  environment_id: string | null;
  environment_name: string;
  protected: boolean;
  environment_created_at: string;
  deployment_id: string | null;
  status: Deployment['status'] | null;
  ref: string | null;
  commit_sha: string | null;
  queued_at: string | null;
};

/**
 * A page of projects with their environments and each environment's latest deployment: one query
 * (a LATERAL join takes each environment's newest deployment from its index), plain rows grouped
 * by project with a Map.
 */
export async function listProjects(
  em: EntityManager,
  { organizationId, cursor, limit }: { organizationId: string; cursor?: string; limit: number },
) {
  const page = keyset({ key: 'id', order: 'asc', cursor, limit });
  const where = scopedWhere(organizationId, [page.after]);
  const rows = await em.execute<ProjectPageRow[]>(
    `with page as (select * from "project" where ${where.sql} ${page.orderAndLimit})
     select page.id, page.name, page.slug, page.aws_connection_id, page.config_revision, page.config_sha256,
            page.stack_strategy, page.stack_region, page.created_at, e.id as environment_id, e.name as environment_name, e.protected,
            e.created_at as environment_created_at, d.id as deployment_id, d.status, d.ref, d.commit_sha, d.queued_at
       from page
       left join "environment" e on e.organization_id = page.organization_id and e.project_id = page.id
       left join lateral (
         select id, status, ref, commit_sha, queued_at from "deployment"
          where organization_id = page.organization_id and project_id = page.id and environment_id = e.id
          order by queued_at desc, id desc limit 1) d on true
      order by page.id, e.created_at, e.id`,
    [...where.params, page.limitParam],
  );
  const projects = new Map<string, ProjectView>();
  for (const row of rows) {
    let project = projects.get(row.id);
    if (!project) {
      project = {
        id: row.id,
        name: row.name,
        slug: row.slug,
        awsConnectionId: row.aws_connection_id,
        configRevision: row.config_revision ?? 0,
        configSha256: row.config_sha256,
        stacks: { strategy: row.stack_strategy, region: row.stack_region },
        createdAt: dateOf(row.created_at),
        environments: [],
      };
      projects.set(row.id, project);
    }
    if (row.environment_id === null) continue;
    project.environments.push({
      id: row.environment_id,
      projectId: row.id,
      name: row.environment_name,
      protected: row.protected,
      createdAt: dateOf(row.environment_created_at),
      latestDeployment:
        row.deployment_id && row.status && row.ref && row.queued_at
          ? {
              id: row.deployment_id,
              status: row.status,
              ref: row.ref,
              commitSha: row.commit_sha,
              queuedAt: dateOf(row.queued_at),
            }
          : null,
    });
  }
  return toPage([...projects.values()], limit, (project) => project);
}

export async function getProject(em: EntityManager, id: string) {
  return viewOf(em, await loadProject(em, id));
}

export async function updateProject(
  em: EntityManager,
  {
    audit,
    id,
    name,
    slug,
    awsConnectionId,
  }: { audit: AuditScope; id: string; name?: string; slug?: string; awsConnectionId?: string | null },
) {
  const project = await loadProject(em, id);
  // Loaded through this organization's scope: another tenant's connection is simply not found.
  if (awsConnectionId) await assertLinkable(em, awsConnectionId);
  const changes = diff(
    { name: project.name, slug: project.slug, awsConnectionId: project.awsConnectionId ?? null },
    { name, slug, awsConnectionId },
  );
  if (name !== undefined) project.name = name;
  if (slug !== undefined) project.slug = slug;
  if (awsConnectionId !== undefined) project.awsConnectionId = awsConnectionId;
  await flushOrDuplicate(em, (error) => slugTaken(slug ?? '', error));
  if (changes)
    await recordAuditEvent(em, audit, {
      action: 'project.updated',
      target: { type: 'project', id, display: project.name },
      changes,
    });
  return viewOf(em, project);
}

/** Refuses while a deployment of the project is queued or in progress: it would be orphaned mid-flight. */
export async function deleteProject(em: EntityManager, { audit, id }: { audit: AuditScope; id: string }) {
  const project = await loadProject(em, id);
  const running = await em.count(Deployment, { project: id, status: { $in: [...RUNNING] } });
  if (running > 0) {
    throw new AppError('DEPLOYMENTS_RUNNING', `${running} deployment(s) of this project are queued or in progress`, {
      details: { running },
    });
  }
  em.remove(project);
  await em.flush();
  await recordAuditEvent(em, audit, {
    action: 'project.deleted',
    target: { type: 'project', id, display: project.name },
  });
  return { ok: true as const };
}
