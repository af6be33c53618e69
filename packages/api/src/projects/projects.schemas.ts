import { DEPLOYMENT_STATUSES, STACK_STRATEGIES } from '@strictops/db';
import { z } from 'zod';
import { EnvironmentDto } from '../environments/environments.schemas.ts';
import { PageFields, pageDto } from '../shared/pagination.ts';
import { optionalInput } from '../shared/schemas.ts';
import { Slug } from '../shared/slugs.ts';
import { UpdatedStacksDto } from '../stacks/stacks.schemas.ts';
import { MAX_CONFIG_BYTES } from './strictops-yml.ts';

export const CreateProjectInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  slug: Slug.optional().describe('Unique within the organization; derived from the name when omitted'),
});
export const ProjectRef = z.strictObject({ id: z.uuid() });
export const UpdateProjectInput = z
  .strictObject({
    id: z.uuid(),
    name: z.string().trim().min(1).max(100).optional(),
    slug: Slug.optional(),
    awsConnectionId: z
      .uuid()
      .nullable()
      .optional()
      .describe('A verified AWS connection of this organization, or null to unlink'),
  })
  .refine(
    (input) => input.name !== undefined || input.slug !== undefined || input.awsConnectionId !== undefined,
    'Give a name, a slug or an AWS connection',
  );
export const ListProjectsInput = optionalInput(z.strictObject(PageFields));

export const DeploymentSummaryDto = z.object({
  id: z.uuid(),
  status: z.enum(DEPLOYMENT_STATUSES),
  ref: z.string(),
  commitSha: z.string().nullable(),
  queuedAt: z.date(),
});
export const ProjectDto = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  awsConnectionId: z.uuid().nullable(),
  configRevision: z.number().int(),
  configSha256: z.string().nullable(),
  stacks: z
    .object({ strategy: z.enum(STACK_STRATEGIES), region: z.string() })
    .describe('How its environments become CloudFormation stacks (docs/stack-strategies.md)'),
  createdAt: z.date(),
  environments: z.array(EnvironmentDto.extend({ latestDeployment: DeploymentSummaryDto.nullable() })),
});
export const ProjectListDto = pageDto(ProjectDto);

export const ConfigInput = z.strictObject({
  id: z.uuid().describe('The project'),
  // Bounded before parsing; the parser bounds it again in bytes.
  yaml: z.string().max(MAX_CONFIG_BYTES),
});
export const ApplyConfigInput = ConfigInput.extend({
  confirmResourceMoves: z
    .array(z.string().trim().min(1).max(63))
    .max(500)
    .optional()
    .describe('When `stacks:` changes the strategy: the stateful resources you accept moving between stacks'),
});
export const ConfigProblemDto = z.object({
  path: z.string(),
  message: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
});
export const ValidateConfigDto = z.object({
  valid: z.boolean(),
  problems: z.array(ConfigProblemDto),
  config: z.record(z.string(), z.unknown()).nullable().describe('The normalized configuration, when valid'),
});
export const ApplyConfigDto = z.object({
  changed: z.boolean().describe('False when the same text was applied already'),
  revision: z.number().int(),
  sha256: z.string(),
  services: z.number().int(),
  resources: z.number().int(),
  environmentsCreated: z.array(z.string()),
  stacks: UpdatedStacksDto.nullable().describe(
    'What the `stacks:` section changed, if it changed the strategy or region',
  ),
});
