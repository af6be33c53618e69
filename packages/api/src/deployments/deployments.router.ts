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
  /**
   * Queues a deployment of a ref to an environment (name or id); deploying to a protected environment
   * needs a `strictops_admin`. With an `idempotencyKey`, a retry returns the first deployment
   * (`replayed: true`), which also makes the SDK retry it after a network failure.
   */
  create: orgProcedure
    .meta({
      errors: [
        'PROJECT_NOT_FOUND',
        'ENVIRONMENT_NOT_FOUND',
        'IDEMPOTENCY_KEY_REUSED',
        'LIMIT_REACHED',
        'STACK_LIMIT_EXCEEDED',
      ],
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

  /**
   * Deployment history, newest first, filtered by project, environment, status and time, a page at a
   * time. Iterate every page with `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/deployments', tags, summary: 'Deployment history, newest first' },
    })
    .input(ListDeploymentsInput)
    .output(DeploymentListDto)
    .query(({ ctx, input }) => deployments.listDeployments(ctx.em, { organizationId: ctx.organization.id, ...input })),

  /**
   * One deployment.
   */
  get: orgProcedure
    .meta({
      errors: ['DEPLOYMENT_NOT_FOUND'],
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/deployments/{id}', tags, summary: 'One deployment, with its stack plan' },
    })
    .input(DeploymentRef)
    .output(DeploymentDetailDto)
    .query(async ({ ctx, input }) => deployments.detailView(await deployments.loadDeployment(ctx.em, input.id))),

  /**
   * Cancels a queued or running deployment.
   */
  cancel: orgProcedure
    .meta({
      errors: ['DEPLOYMENT_NOT_FOUND', 'INVALID_TRANSITION'],
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
