import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AwsConnection, Deployment, Environment, Project, Resource, Service, type StackStrategy } from '@strictops/db';
import { type AuditScope, diff, recordAuditEvent } from '../audit/audit-writer.ts';
import { findEnvironmentOf } from '../environments/environments.service.ts';
import { AppError } from '../errors.ts';
import type { Authorize } from '../policy.ts';
import { loadProject, projectNotFound } from '../projects/projects.service.ts';
import { diffPlans, isEmpty, type PlanDiff } from './stack-diff.ts';
import { assertWithinLimits, type PlanInput, planStacks, type StackPlan } from './stack-plan.ts';
import { StackPlanDto } from './stacks.schemas.ts';

type ProjectInputs = Omit<PlanInput, 'environment' | 'strategy' | 'region'>;

/** What the planner needs of a project, read once: its services, resources and AWS connection. */
async function projectInputs(em: EntityManager, project: Project): Promise<ProjectInputs> {
  const [services, resources, connection] = await Promise.all([
    em.find(Service, { project: project.id }, { orderBy: { name: 'asc' } }),
    em.find(Resource, { project: project.id }, { orderBy: { name: 'asc' } }),
    project.awsConnectionId ? em.findOne(AwsConnection, { id: project.awsConnectionId }) : null,
  ]);
  return {
    project: { id: project.id, slug: project.slug },
    awsConnection: connection
      ? {
          id: connection.id,
          accountId: connection.accountId ?? null,
          roleArn: connection.roleArn ?? null,
          externalId: connection.externalId,
        }
      : null,
    services: services.map((s) => ({
      name: s.name,
      type: s.type,
      uses: Array.isArray(s.settings.resources) ? (s.settings.resources as string[]) : [],
    })),
    resources: resources.map((r) => ({ name: r.name, kind: r.kind, engine: r.engine ?? null })),
  };
}

type Layout = { strategy: StackStrategy; region: string };

const planOf = (inputs: ProjectInputs, environment: Environment, layout: Layout) =>
  planStacks({
    ...inputs,
    ...layout,
    environment: { id: environment.id, name: environment.name, protected: environment.protected },
  });

const layoutOf = (project: Project): Layout => ({ strategy: project.stackStrategy, region: project.stackRegion });

/** The plan of one environment under the project's strategy (or another, to preview it). */
export async function stackPlanFor(
  em: EntityManager,
  { projectId, environment, strategy }: { projectId: string; environment: string; strategy?: StackStrategy },
): Promise<StackPlan> {
  const project = await loadProject(em, projectId);
  const target = await findEnvironmentOf(em, project.id, environment);
  const plan = planOf(await projectInputs(em, project), target, {
    ...layoutOf(project),
    ...(strategy ? { strategy } : {}),
  });
  assertWithinLimits([plan]);
  return plan;
}

/** The plan a new deployment records: the project's strategy, checked against CloudFormation's limits. */
export async function planForDeployment(em: EntityManager, project: Project, environment: Environment) {
  const plan = planOf(await projectInputs(em, project), environment, layoutOf(project));
  assertWithinLimits([plan]);
  return plan;
}

/** Refuses a project whose strategy would break CloudFormation's limits in any environment (after a config change). */
export async function assertPlannable(em: EntityManager, project: Project) {
  const inputs = await projectInputs(em, project);
  const environments = await em.find(Environment, { project: project.id });
  assertWithinLimits(environments.map((e) => planOf(inputs, e, layoutOf(project))));
}

/**
 * What is live in an environment, as far as StrictOps knows: the plan of its latest deployment that
 * has reached AWS or is queued to (a cancelled one that never started touched nothing). A
 * deployment from before plans were recorded is taken to have deployed the current layout.
 */
async function livePlan(em: EntityManager, environment: Environment, fallback: () => StackPlan) {
  const [latest] = await em.find(
    Deployment,
    {
      // The project leads the (project, environment, queued_at) index this reads backwards.
      project: environment.project.id,
      environment: environment.id,
      $or: [{ status: { $ne: 'cancelled' } }, { startedAt: { $ne: null } }],
    },
    { orderBy: { queuedAt: 'desc', id: 'desc' }, limit: 1, fields: ['id', 'stackPlan'] },
  );
  if (!latest) return null;
  return latest.stackPlan ? (StackPlanDto.parse(latest.stackPlan) as StackPlan) : fallback();
}

type EnvironmentChange = PlanDiff & { environment: string; protected: boolean; deployed: boolean };

/**
 * Changes a project's stack strategy or region. Each environment's diff is taken against what is
 * live (its latest deployment's plan), or, where nothing was deployed, against its plan today.
 * A change is refused, changing nothing, when:
 *  - a stateful resource of a deployed environment would move to another stack and the caller has
 *    not named it in `confirmResourceMoves` (CloudFormation moves a live database only by import);
 *  - a protected environment's layout changes and the caller is not a strictops_admin (the policy's
 *    attribute rule, refused through the audited denial);
 *  - a stack of the new layout would break a CloudFormation limit.
 * `dryRun` reports the same diff and changes nothing.
 */
export async function updateStacks(
  em: EntityManager,
  input: {
    audit: AuditScope;
    authorize: Authorize;
    id: string;
    strategy?: StackStrategy;
    region?: string;
    confirmResourceMoves?: string[];
    dryRun?: boolean;
  },
) {
  // Two changes of one project's stacks take turns on its row, so each diffs against the other's result.
  const project = await em.findOne(Project, { id: input.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!project) throw projectNotFound();
  const current = layoutOf(project);
  const next: Layout = { strategy: input.strategy ?? current.strategy, region: input.region ?? current.region };
  const changed = next.strategy !== current.strategy || next.region !== current.region;
  const summary = { strategy: next.strategy, region: next.region, changed };
  if (!changed) return { ...summary, applied: false, environments: [] };

  const { changes, plans } = await diffEnvironments(em, project, { current, next });
  assertWithinLimits(plans);
  const result = { ...summary, applied: !input.dryRun, environments: changes };
  if (input.dryRun) return result;

  // The policy's attribute rule: a protected environment's stacks are for strictops_admin to change.
  input.authorize('projects.write', { protectedStacksChange: changes.some((c) => c.protected) });
  assertMovesConfirmed(changes, input.confirmResourceMoves ?? []);

  const before = { ...current };
  project.stackStrategy = next.strategy;
  project.stackRegion = next.region;
  await em.flush();
  await recordAuditEvent(em, input.audit, {
    action: 'project.stacks_updated',
    target: { type: 'project', id: project.id, display: project.name },
    changes: {
      ...diff(before, next),
      ...(input.confirmResourceMoves?.length ? { confirmedResourceMoves: { after: input.confirmResourceMoves } } : {}),
    },
  });
  return result;
}

/**
 * Each environment's plan under the new layout, and how it differs from what is live (its latest
 * deployment's plan) or, where nothing was deployed, from its plan today.
 */
async function diffEnvironments(
  em: EntityManager,
  project: Project,
  { current, next }: { current: Layout; next: Layout },
) {
  const inputs = await projectInputs(em, project);
  const environments = await em.find(
    Environment,
    { project: project.id },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  const changes: EnvironmentChange[] = [];
  const plans: StackPlan[] = [];
  for (const environment of environments) {
    const today = planOf(inputs, environment, current);
    const planned = planOf(inputs, environment, next);
    plans.push(planned);
    const live = await livePlan(em, environment, () => today);
    const diff = diffPlans(live ?? today, planned);
    // An environment whose stacks stay as they are is not affected by the change.
    if (isEmpty(diff)) continue;
    changes.push({ environment: environment.name, protected: environment.protected, deployed: live !== null, ...diff });
  }
  return { changes, plans };
}

/** Every stateful move out of a live stack must be named in the confirmation; the refusal names them all. */
function assertMovesConfirmed(changes: EnvironmentChange[], confirmed: string[]) {
  const unconfirmed = changes.flatMap((change) =>
    change.deployed
      ? change.moves
          .filter((move) => move.stateful && !confirmed.includes(move.name))
          .map((move) => ({ environment: change.environment, ...move }))
      : [],
  );
  if (unconfirmed.length === 0) return;
  const names = [...new Set(unconfirmed.map((m) => m.name))];
  const listed = unconfirmed
    .map((m) => `${m.name} (${m.kind}) in ${m.environment}: ${m.from.stack} → ${m.to.stack}`)
    .join('; ');
  throw new AppError(
    'RESOURCE_MOVE_UNCONFIRMED',
    `This change moves stateful resources between live stacks, which needs a CloudFormation import: ${listed}. ` +
      `Confirm with confirmResourceMoves: ${JSON.stringify(names)}`,
    { field: 'confirmResourceMoves', details: { resources: names, moves: unconfirmed } },
  );
}
