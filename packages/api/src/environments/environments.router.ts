import { Ok } from '../shared/schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  CreateEnvironmentInput,
  EnvironmentDto,
  EnvironmentListDto,
  EnvironmentRef,
  ListEnvironmentsInput,
  UpdateEnvironmentInput,
} from './environments.schemas.ts';
import * as environments from './environments.service.ts';

const tags = ['environments'];

export const environmentsRouter = router({
  /**
   * Adds an environment to a project; only a `strictops_admin` may create a protected one.
   */
  create: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND', 'LIMIT_REACHED'],
      permission: 'projects.write',
      openapi: { method: 'POST', path: '/environments', tags, summary: 'Add an environment to a project' },
    })
    .input(CreateEnvironmentInput)
    .output(EnvironmentDto)
    .mutation(({ ctx, input }) => environments.createEnvironment(ctx.em, { audit: ctx.audit, ...input })),

  /**
   * A project's environments.
   */
  list: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND'],
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/environments', tags, summary: 'A project’s environments' },
    })
    .input(ListEnvironmentsInput)
    .output(EnvironmentListDto)
    .query(({ ctx, input }) => environments.listEnvironments(ctx.em, input.projectId)),

  /**
   * Renames an environment or (un)protects it; protected environments are an admin's to change.
   */
  update: orgProcedure
    .meta({
      errors: ['ENVIRONMENT_NOT_FOUND'],
      permission: 'projects.write',
      openapi: {
        method: 'PATCH',
        path: '/environments/{id}',
        tags,
        summary: 'Rename an environment or (un)protect it',
      },
    })
    .input(UpdateEnvironmentInput)
    .output(EnvironmentDto)
    .mutation(({ ctx, input }) =>
      environments.updateEnvironment(ctx.em, { audit: ctx.audit, authorize: ctx.authorize, ...input }),
    ),

  /**
   * Deletes an environment, refused while any of its deployments is queued or in progress.
   */
  delete: orgProcedure
    .meta({
      errors: ['ENVIRONMENT_NOT_FOUND', 'DEPLOYMENTS_RUNNING'],
      permission: 'projects.write',
      openapi: {
        method: 'DELETE',
        path: '/environments/{id}',
        tags,
        summary: 'Delete an environment (not while it deploys)',
      },
    })
    .input(EnvironmentRef)
    .output(Ok)
    .mutation(({ ctx, input }) =>
      environments.deleteEnvironment(ctx.em, { audit: ctx.audit, authorize: ctx.authorize, id: input.id }),
    ),
});
