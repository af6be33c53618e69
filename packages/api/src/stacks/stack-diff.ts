import type { StackPlan } from './stack-plan.ts';

/** Where a stack lives: a name is unique within one account and region only. */
export type StackLocation = { stack: string; region: string };

export type PlanMove = {
  item: 'resource' | 'service';
  name: string;
  /** The resource's kind or the service's type. */
  kind: string;
  /** Stateful resources keep data: moving one between stacks needs a CloudFormation import. */
  stateful: boolean;
  from: StackLocation;
  to: StackLocation;
};

export type PlanDiff = {
  stacksAdded: StackLocation[];
  stacksRemoved: StackLocation[];
  moves: PlanMove[];
};

const key = (location: StackLocation) => `${location.region}/${location.stack}`;

function locations(plan: StackPlan) {
  const stacks = new Map<string, StackLocation>();
  const homes = new Map<string, { location: StackLocation; kind: string; item: PlanMove['item'] }>();
  for (const stack of plan.stacks) {
    const location = { stack: stack.name, region: plan.region };
    stacks.set(key(location), location);
    for (const r of stack.resources) homes.set(`resource:${r.name}`, { location, kind: r.kind, item: 'resource' });
    for (const s of stack.services) homes.set(`service:${s.name}`, { location, kind: s.type, item: 'service' });
  }
  return { stacks, homes };
}

/**
 * What going from one plan to another does to the live stacks: the stacks that appear, the ones
 * that go, and every resource and service that would leave one stack for another. Something only
 * in one of the plans (added to or removed from strictops.yml) is a creation or a deletion, not a move.
 */
export function diffPlans(before: StackPlan, after: StackPlan): PlanDiff {
  const was = locations(before);
  const will = locations(after);
  const moves: PlanMove[] = [];
  for (const [id, home] of will.homes) {
    const previous = was.homes.get(id);
    if (!previous || key(previous.location) === key(home.location)) continue;
    moves.push({
      item: home.item,
      name: id.slice(id.indexOf(':') + 1),
      kind: home.kind,
      stateful: home.item === 'resource',
      from: previous.location,
      to: home.location,
    });
  }
  return {
    stacksAdded: [...will.stacks].filter(([k]) => !was.stacks.has(k)).map(([, l]) => l),
    stacksRemoved: [...was.stacks].filter(([k]) => !will.stacks.has(k)).map(([, l]) => l),
    moves: moves.sort((a, b) => (a.item + a.name < b.item + b.name ? -1 : 1)),
  };
}

/** A diff that changes nothing: the same things in the same stacks (tags and credentials aside). */
export const isEmpty = (diff: PlanDiff) =>
  diff.stacksAdded.length === 0 && diff.stacksRemoved.length === 0 && diff.moves.length === 0;
