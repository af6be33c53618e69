import { ACTOR_TYPES, DEPLOYMENT_STATUSES } from '@strictops/db';
import { z } from 'zod';
import { PageFields, pageDto } from '../shared/pagination.ts';
import { DateInput, optionalInput } from '../shared/schemas.ts';
import { StackPlanDto } from '../stacks/stacks.schemas.ts';

export const DeploymentDto = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  environmentId: z.uuid(),
  status: z.enum(DEPLOYMENT_STATUSES),
  ref: z.string(),
  commitSha: z.string().nullable(),
  triggeredBy: z.object({ type: z.enum(ACTOR_TYPES), id: z.string(), display: z.string() }),
  statusMessage: z.string().nullable().describe('The message of the last status change, if any'),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

export const DeploymentDetailDto = DeploymentDto.extend({
  stackPlan: StackPlanDto.nullable().describe(
    'The stacks this deployment deploys, as planned when it was queued; null for deployments older than plans',
  ),
});

export const CreateDeploymentInput = z.strictObject({
  projectId: z.uuid(),
  environment: z.string().trim().min(1).max(64).describe('Environment name or id'),
  ref: z.string().trim().min(1).max(255).describe('Branch, tag or other git ref'),
  commitSha: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, 'A hexadecimal commit SHA')
    .optional(),
  idempotencyKey: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .describe('Over REST, the Idempotency-Key header does the same'),
});
export const CreatedDeploymentDto = z.object({ deployment: DeploymentDto, replayed: z.boolean() });
export const ListDeploymentsInput = optionalInput(
  z.strictObject({
    projectId: z.uuid().optional(),
    environmentId: z.uuid().optional(),
    status: z.enum(DEPLOYMENT_STATUSES).optional(),
    from: DateInput.optional().describe('Queued at or after'),
    to: DateInput.optional().describe('Queued before'),
    ...PageFields,
  }),
);
export const DeploymentListDto = pageDto(DeploymentDto);
export const DeploymentRef = z.strictObject({ id: z.uuid() });
export const CancelDeploymentInput = z.strictObject({ id: z.uuid(), message: z.string().trim().max(1000).optional() });

export const ClaimInput = z.strictObject({ workerId: z.string().trim().min(1).max(128) });
export const ClaimedDto = z.object({
  organizationId: z.uuid().nullable(),
  deployment: DeploymentDetailDto.nullable().describe('With the stack plan to deploy'),
});
export const ReportInput = z.strictObject({
  organizationId: z.uuid(),
  deploymentId: z.uuid(),
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  message: z.string().trim().max(1000).optional().describe('What happened, in a sentence'),
});
