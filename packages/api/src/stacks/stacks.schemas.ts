import { RESOURCE_KINDS, SERVICE_TYPES, STACK_STRATEGIES } from '@strictops/db';
import { z } from 'zod';
import { AWS_REGION } from './cloudformation.ts';

export const StackStrategyName = z
  .enum(STACK_STRATEGIES)
  .describe(
    'per-environment (default): one stack; split-stateful: data + application; per-service: data + one per service',
  );
export const AwsRegion = z.string().trim().regex(AWS_REGION, 'An AWS region such as eu-west-1');

const AwsConnectionDto = z.object({
  id: z.uuid(),
  accountId: z.string().nullable(),
  roleArn: z.string().nullable(),
  externalId: z.string(),
});

export const PlannedStackDto = z.object({
  name: z.string().describe('The CloudFormation stack name: from ids, so renames never change it'),
  role: z.enum(['environment', 'data', 'application', 'service']),
  dependsOn: z.array(z.string()).describe('Stacks deployed before this one'),
  terminationProtection: z.boolean(),
  resources: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(RESOURCE_KINDS),
      engine: z.string().nullable(),
      deletionPolicy: z.literal('Retain'),
    }),
  ),
  services: z.array(z.object({ name: z.string(), type: z.enum(SERVICE_TYPES), uses: z.array(z.string()) })),
  outputs: z.array(z.object({ exportName: z.string(), resource: z.string(), attribute: z.string() })),
  imports: z.array(
    z.object({ exportName: z.string(), fromStack: z.string(), resource: z.string(), attribute: z.string() }),
  ),
  parameters: z.array(z.object({ service: z.string(), name: z.string() })),
  templateResources: z.number().int().describe('CloudFormation resources in its template'),
  tags: z.record(z.string(), z.string()),
});

export const StackPlanDto = z.object({
  version: z.literal(1),
  strategy: z.enum(STACK_STRATEGIES),
  project: z.object({ id: z.uuid(), slug: z.string() }),
  environment: z.object({ id: z.uuid(), name: z.string(), protected: z.boolean() }),
  region: z.string(),
  awsConnection: AwsConnectionDto.nullable(),
  stacks: z.array(PlannedStackDto).describe('In deployment order'),
});

export const StackPlanInput = z.strictObject({
  projectId: z.uuid(),
  environment: z.string().trim().min(1).max(64).describe('Environment name or id'),
  strategy: StackStrategyName.optional().describe('Preview another strategy; the project’s own by default'),
});

const StackLocationDto = z.object({ stack: z.string(), region: z.string() });

export const UpdateStacksInput = z
  .strictObject({
    id: z.uuid().describe('The project'),
    strategy: StackStrategyName.optional(),
    region: AwsRegion.optional(),
    confirmResourceMoves: z
      .array(z.string().trim().min(1).max(63))
      .max(500)
      .default([])
      .describe('Names of the stateful resources you accept moving to another stack (each needs an import)'),
    dryRun: z.boolean().default(false).describe('Report what would change, change nothing'),
  })
  .refine((input) => input.strategy !== undefined || input.region !== undefined, 'Give a strategy, a region or both');

export const UpdatedStacksDto = z.object({
  strategy: z.enum(STACK_STRATEGIES),
  region: z.string(),
  changed: z.boolean().describe('False when the project already had this strategy and region'),
  applied: z.boolean().describe('False for a dry run'),
  environments: z.array(
    z.object({
      environment: z.string(),
      protected: z.boolean(),
      deployed: z.boolean().describe('Whether a deployment has created (or is about to create) its stacks'),
      stacksAdded: z.array(StackLocationDto),
      stacksRemoved: z.array(StackLocationDto),
      moves: z.array(
        z.object({
          item: z.enum(['resource', 'service']),
          name: z.string(),
          kind: z.string(),
          stateful: z.boolean(),
          from: StackLocationDto,
          to: StackLocationDto,
        }),
      ),
    }),
  ),
});
