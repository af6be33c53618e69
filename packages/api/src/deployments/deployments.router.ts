import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  CancelDeploymentInput,
  CreateDeploymentInput,
  CreatedDeploymentDto,
  DeploymentDetailDto,
  DeploymentDto,
  DeploymentListDto,
  DeploymentRef,
  ListDeploymentsInput,
} from './deployments.schemas.ts';
import * as deployments from './deployments.service.ts';

const tags = ['deployments'];

export const deploymentsRouter = router({
  create: orgProcedure
    .meta({
      permission: 'deployments.create',
      rateLimit: 'deploy',
      openapi: {
        method: 'POST',
        path: '/deployments',
        tags,
        summary: 'Queue a deployment (Idempotency-Key makes a retry safe)',
      },
    })
    .input(CreateDeploymentInput)
    .output(CreatedDeploymentDto)
    .mutation(({ ctx, input }) =>
      deployments.createDeployment(ctx.em, {
        audit: ctx.audit,
        authorize: ctx.authorize,
        input: { ...input, idempotencyKey: input.idempotencyKey ?? ctx.request.idempotencyKey ?? undefined },
      }),
    ),

  list: orgProcedure
    .meta({
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/deployments', tags, summary: 'Deployment history, newest first' },
    })
    .input(ListDeploymentsInput)
    .output(DeploymentListDto)
    .query(({ ctx, input }) => deployments.listDeployments(ctx.em, input)),

  get: orgProcedure
    .meta({
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/deployments/{id}', tags, summary: 'One deployment, with its stack plan' },
    })
    .input(DeploymentRef)
    .output(DeploymentDetailDto)
    .query(async ({ ctx, input }) => deployments.detailView(await deployments.loadDeployment(ctx.em, input.id))),

  cancel: orgProcedure
    .meta({
      permission: 'deployments.create',
      openapi: {
        method: 'POST',
        path: '/deployments/{id}/cancel',
        tags,
        summary: 'Cancel a queued or running deployment',
      },
    })
    .input(CancelDeploymentInput)
    .output(DeploymentDto)
    .mutation(({ ctx, input }) =>
      deployments.transition(ctx.em, { audit: ctx.audit, id: input.id, to: 'cancelled', message: input.message }),
    ),
});
