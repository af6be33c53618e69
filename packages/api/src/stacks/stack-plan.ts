import type { ResourceKind, ServiceType, StackStrategy } from '@strictops/db';
import { AppError } from '../errors.ts';
import {
  CLOUDFORMATION_LIMITS,
  type CloudFormationLimit,
  NETWORKED_KINDS,
  RESOURCE_TEMPLATES,
  SERVICE_TEMPLATES,
} from './cloudformation.ts';

/**
 * The stack planner: how one environment of a project becomes CloudFormation stacks under the
 * project's strategy (docs/stack-strategies.md). A pure function of its input, so the same project,
 * environment and strategy always give the same plan, and a deployment can record it.
 */

export type PlanService = { name: string; type: ServiceType; uses: string[] };
export type PlanResource = { name: string; kind: ResourceKind; engine: string | null };
export type PlanAwsConnection = { id: string; accountId: string | null; roleArn: string | null; externalId: string };

export type PlanInput = {
  strategy: StackStrategy;
  region: string;
  project: { id: string; slug: string };
  environment: { id: string; name: string; protected: boolean };
  awsConnection: PlanAwsConnection | null;
  services: PlanService[];
  resources: PlanResource[];
};

/** environment: everything of one environment; data: its stateful resources; application: its services; service: one service. */
export type StackRole = 'environment' | 'data' | 'application' | 'service';

export type PlannedStack = {
  name: string;
  role: StackRole;
  /** Stacks that must be deployed first (they export what this one imports). */
  dependsOn: string[];
  terminationProtection: boolean;
  resources: (PlanResource & { deletionPolicy: 'Retain' })[];
  services: PlanService[];
  /** Values this stack exports for other stacks. */
  outputs: { exportName: string; resource: string; attribute: string }[];
  /** Values this stack imports (`Fn::ImportValue`) from the stacks it depends on. */
  imports: { exportName: string; fromStack: string; resource: string; attribute: string }[];
  /** What each deployment fills in: one per service. */
  parameters: { service: string; name: string }[];
  /** How many CloudFormation resources its template holds. */
  templateResources: number;
  tags: Record<string, string>;
};

export type StackPlan = {
  version: 1;
  strategy: StackStrategy;
  project: { id: string; slug: string };
  environment: { id: string; name: string; protected: boolean };
  region: string;
  awsConnection: PlanAwsConnection | null;
  /** In deployment order: every stack comes after the stacks it depends on. */
  stacks: PlannedStack[];
};

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A UUID in 26 characters (Crockford's base 32, lower case): ids keep names short enough for
 * CloudFormation's 128 characters while staying unique, and unlike names they never change.
 */
export function compactId(uuid: string): string {
  let value = BigInt(`0x${uuid.replaceAll('-', '')}`);
  let text = '';
  for (let i = 0; i < 26; i++) {
    text = (CROCKFORD[Number(value & 31n)] as string) + text;
    value >>= 5n;
  }
  return text;
}

/**
 * `so-<project>-<environment>[-data|-app|-svc-<service>]`: from the project's and environment's ids,
 * which no rename changes, and the service's name, which is its identity in strictops.yml. Unique
 * in every account and region, since environment ids are.
 */
export function stackName(
  project: { id: string },
  environment: { id: string },
  role: StackRole,
  service?: string,
): string {
  const base = `so-${compactId(project.id)}-${compactId(environment.id)}`;
  if (role === 'environment') return base;
  if (role === 'data') return `${base}-data`;
  if (role === 'application') return `${base}-app`;
  return `${base}-svc-${service}`;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => (a.name < b.name ? -1 : 1));

/** Builds one stack from what it holds and where the resources it uses live. */
function buildStack(
  input: PlanInput,
  role: StackRole,
  contents: { services: PlanService[]; resources: PlanResource[]; service?: string },
  homeOf: Map<string, string>,
): PlannedStack {
  const name = stackName(input.project, input.environment, role, contents.service);
  const kindOf = new Map(input.resources.map((r) => [r.name, r.kind]));
  const resources = byName(contents.resources).map((r) => ({ ...r, deletionPolicy: 'Retain' as const }));
  const services = byName(contents.services).map((s) => ({ ...s, uses: [...s.uses].sort() }));
  const imports = importsOf(name, services, { homeOf, kindOf });
  return {
    name,
    role,
    dependsOn: [...new Set(imports.map((i) => i.fromStack))].sort(),
    // A stack holding data is never deleted by accident; neither is anything of a protected environment.
    terminationProtection: resources.length > 0 || input.environment.protected,
    resources,
    services,
    outputs: role === 'data' ? exportsOf(name, resources) : [],
    imports,
    parameters: services.flatMap((s) =>
      SERVICE_TEMPLATES[s.type].parameters.map((parameter) => ({ service: s.name, name: parameter })),
    ),
    templateResources: templateResourceCount(resources, services, kindOf),
    tags: {
      'strictops:project': input.project.slug,
      'strictops:environment': input.environment.name,
      'strictops:stack-role': role,
    },
  };
}

/** What a data stack exports: each output of each resource it holds, for the stacks that use them. */
function exportsOf(stack: string, resources: PlanResource[]) {
  return resources.flatMap((r) =>
    RESOURCE_TEMPLATES[r.kind].outputs.map((attribute) => ({
      exportName: `${stack}:${r.name}:${attribute}`,
      resource: r.name,
      attribute,
    })),
  );
}

/** What the stack's services use that lives in another stack, imported from that stack's exports. */
function importsOf(
  stack: string,
  services: PlanService[],
  { homeOf, kindOf }: { homeOf: Map<string, string>; kindOf: Map<string, ResourceKind> },
) {
  const used = [...new Set(services.flatMap((s) => s.uses))].sort();
  return used.flatMap((resource) => {
    const fromStack = homeOf.get(resource);
    const kind = kindOf.get(resource);
    if (!fromStack || fromStack === stack || !kind) return [];
    return RESOURCE_TEMPLATES[kind].outputs.map((attribute) => ({
      exportName: `${fromStack}:${resource}:${attribute}`,
      fromStack,
      resource,
      attribute,
    }));
  });
}

/** How many CloudFormation resources the stack's template holds (CloudFormation limits them). */
function templateResourceCount(resources: PlanResource[], services: PlanService[], kindOf: Map<string, ResourceKind>) {
  // One ingress rule (a security group ingress resource) per database or cache a service reaches.
  const ingressRules = services.reduce(
    (n, s) => n + s.uses.filter((u) => NETWORKED_KINDS.includes(kindOf.get(u) as ResourceKind)).length,
    0,
  );
  return (
    resources.reduce((n, r) => n + RESOURCE_TEMPLATES[r.kind].resources.length, 0) +
    services.reduce((n, s) => n + SERVICE_TEMPLATES[s.type].resources.length, 0) +
    ingressRules
  );
}

/** The stacks of one environment under the input's strategy, in deployment order. Empty stacks are left out. */
export function planStacks(input: PlanInput): StackPlan {
  const { services, resources } = input;
  const homeOf = new Map<string, string>();
  const stacks: PlannedStack[] = [];
  const add = (role: StackRole, contents: { services: PlanService[]; resources: PlanResource[]; service?: string }) => {
    if (contents.services.length === 0 && contents.resources.length === 0) return;
    const name = stackName(input.project, input.environment, role, contents.service);
    for (const r of contents.resources) homeOf.set(r.name, name);
    stacks.push(buildStack(input, role, contents, homeOf));
  };
  if (input.strategy === 'per-environment') {
    add('environment', { services, resources });
  } else {
    // The data stack comes first: the others import from it.
    add('data', { services: [], resources });
    if (input.strategy === 'split-stateful') add('application', { services, resources: [] });
    else
      for (const service of byName(services))
        add('service', { services: [service], resources: [], service: service.name });
  }
  return {
    version: 1,
    strategy: input.strategy,
    project: { id: input.project.id, slug: input.project.slug },
    environment: { ...input.environment },
    region: input.region,
    awsConnection: input.awsConnection,
    stacks,
  };
}

export type LimitViolation = {
  environment: string;
  stack: string;
  limit: CloudFormationLimit;
  max: number;
  actual: number;
};

/** Every CloudFormation limit the plan would break, per stack. */
export function limitViolations(plan: StackPlan): LimitViolation[] {
  const violations: LimitViolation[] = [];
  const check = (stack: string, limit: CloudFormationLimit, actual: number) => {
    if (actual > CLOUDFORMATION_LIMITS[limit]) {
      violations.push({ environment: plan.environment.name, stack, limit, max: CLOUDFORMATION_LIMITS[limit], actual });
    }
  };
  for (const stack of plan.stacks) {
    // Names are letters, digits and hyphens by construction (ids, fixed words, validated service names).
    check(stack.name, 'stackNameLength', stack.name.length);
    check(stack.name, 'resourcesPerStack', stack.templateResources);
    check(stack.name, 'outputsPerStack', stack.outputs.length);
    check(stack.name, 'parametersPerStack', stack.parameters.length);
    check(stack.name, 'exportNameLength', Math.max(0, ...stack.outputs.map((o) => o.exportName.length)));
  }
  return violations;
}

const LIMIT_WORDS: Record<CloudFormationLimit, string> = {
  stackNameLength: 'characters in its name',
  resourcesPerStack: 'CloudFormation resources',
  outputsPerStack: 'outputs',
  parametersPerStack: 'parameters',
  exportNameLength: 'characters in an export name',
};

/** Refuses a plan CloudFormation would refuse, naming the stack and the limit, before anything is deployed. */
export function assertWithinLimits(plans: StackPlan[]): void {
  const violations = plans.flatMap(limitViolations);
  const [first] = violations;
  if (!first) return;
  const hint =
    first.limit === 'resourcesPerStack' || first.limit === 'parametersPerStack' || first.limit === 'outputsPerStack'
      ? ': choose a strategy that spreads them over more stacks (split-stateful, per-service), or fewer services and resources'
      : '';
  throw new AppError(
    'STACK_LIMIT_EXCEEDED',
    `Stack ${first.stack} (${first.environment}) would have ${first.actual} ${LIMIT_WORDS[first.limit]}; CloudFormation allows ${first.max}${hint}`,
    { details: { violations } },
  );
}
