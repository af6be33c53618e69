import { orgProcedure } from '../trpc/procedures.ts';
import { StackPlanDto, StackPlanInput, UpdatedStacksDto, UpdateStacksInput } from './stacks.schemas.ts';
import { stackPlanFor, updateStacks } from './stacks.service.ts';

const tags = ['projects'];

/** The stack procedures of `projects.*` (docs/stack-strategies.md); their TSDoc is on the projects router. */
export const stackProcedures = {
  stackPlan: orgProcedure
    .meta({
      permission: 'projects.read',
      errors: ['PROJECT_NOT_FOUND', 'ENVIRONMENT_NOT_FOUND', 'STACK_LIMIT_EXCEEDED'],
      openapi: {
        method: 'GET',
        path: '/projects/{projectId}/stack-plan',
        tags,
        summary: 'The CloudFormation stacks an environment deploys as, in order',
      },
    })
    .input(StackPlanInput)
    .output(StackPlanDto)
    .query(({ ctx, input }) => stackPlanFor(ctx.em, input)),

  updateStacks: orgProcedure
    .meta({
      permission: 'projects.write',
      errors: ['PROJECT_NOT_FOUND', 'STACK_LIMIT_EXCEEDED', 'RESOURCE_MOVE_UNCONFIRMED'],
      openapi: {
        method: 'PATCH',
        path: '/projects/{id}/stacks',
        tags,
        summary: 'Change the stack strategy or region: the diff, moves of stateful resources confirmed',
      },
    })
    .input(UpdateStacksInput)
    .output(UpdatedStacksDto)
    .mutation(({ ctx, input }) => updateStacks(ctx.em, { audit: ctx.audit, authorize: ctx.authorize, ...input })),
};
