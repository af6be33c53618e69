import { describe, expect, it } from 'vitest';
import { CLOUDFORMATION_LIMITS, EXPORT_NAME, STACK_NAME } from './cloudformation.ts';
import { diffPlans } from './stack-diff.ts';
import { compactId, type PlanInput, planStacks, stackName } from './stack-plan.ts';

const PROJECT = { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', slug: 'shop' };
const ENVIRONMENT = { id: 'ffffffff-ffff-7fff-bfff-ffffffffffff', name: 'production', protected: true };

const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  strategy: 'per-environment',
  region: 'eu-west-1',
  project: PROJECT,
  environment: ENVIRONMENT,
  awsConnection: null,
  services: [{ name: 'api', type: 'container', uses: ['db'] }],
  resources: [{ name: 'db', kind: 'database', engine: 'postgres' }],
  ...overrides,
});

describe('stack names', () => {
  it('encode ids in Crockford base 32 (checked against values worked out by hand)', () => {
    expect(compactId('00000000-0000-0000-0000-000000000000')).toBe('0'.repeat(26));
    expect(compactId('ffffffff-ffff-ffff-ffff-ffffffffffff')).toBe(`7${'z'.repeat(25)}`);
    expect(compactId(PROJECT.id)).toBe('01j2gv5gymfsfrn6rc3mq3yjjv');
  });

  it('stay valid CloudFormation names under 128 characters with the longest service name', () => {
    const longest = `s${'x'.repeat(62)}`;
    const name = stackName(PROJECT, ENVIRONMENT, 'service', longest);
    expect(name).toMatch(STACK_NAME);
    expect(name.length).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.stackNameLength);
    const plan = planStacks(
      input({ strategy: 'per-service', services: [{ name: longest, type: 'container', uses: ['db'] }] }),
    );
    for (const stack of plan.stacks) {
      expect(stack.name).toMatch(STACK_NAME);
      for (const i of stack.imports) expect(i.exportName).toMatch(EXPORT_NAME);
    }
  });

  // Names come from ids: renaming the project, its slug or the environment leaves every stack where it is.
  it('do not change when the project or environment is renamed', () => {
    const before = planStacks(input({ strategy: 'split-stateful' }));
    const after = planStacks(
      input({
        strategy: 'split-stateful',
        project: { ...PROJECT, slug: 'renamed' },
        environment: { ...ENVIRONMENT, name: 'prod' },
      }),
    );
    expect(after.stacks.map((s) => s.name)).toEqual(before.stacks.map((s) => s.name));
    expect(diffPlans(before, after)).toEqual({ stacksAdded: [], stacksRemoved: [], moves: [] });
  });
});

describe('plans', () => {
  it('leave out empty stacks: a project with nothing has no stacks under any strategy', () => {
    for (const strategy of ['per-environment', 'split-stateful', 'per-service'] as const) {
      expect(planStacks(input({ strategy, services: [], resources: [] })).stacks).toEqual([]);
    }
  });

  it('need no data stack without resources, and no dependency on one', () => {
    const plan = planStacks(
      input({ strategy: 'split-stateful', resources: [], services: [{ name: 'web', type: 'static', uses: [] }] }),
    );
    expect(plan.stacks.map((s) => [s.role, s.dependsOn])).toEqual([['application', []]]);
  });

  it('diff a region change as every stack going and coming back elsewhere', () => {
    const diff = diffPlans(planStacks(input()), planStacks(input({ region: 'us-west-2' })));
    expect(diff.stacksAdded).toEqual([{ stack: expect.any(String), region: 'us-west-2' }]);
    expect(diff.stacksRemoved).toEqual([{ stack: diff.stacksAdded[0]?.stack, region: 'eu-west-1' }]);
    expect(diff.moves.map((m) => [m.name, m.stateful])).toEqual([
      ['db', true],
      ['api', false],
    ]);
  });
});
