import { AppError } from '../errors.ts';
import { Ok } from '../shared/schemas.ts';
import { stackProcedures } from '../stacks/stacks.router.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import { applyConfig, validateConfig } from './config.service.ts';
import {
  ApplyConfigDto,
  ApplyConfigInput,
  ConfigInput,
  CreateProjectInput,
  ListProjectsInput,
  ProjectDto,
  ProjectListDto,
  ProjectRef,
  UpdateProjectInput,
  ValidateConfigDto,
} from './projects.schemas.ts';
import * as projects from './projects.service.ts';

const tags = ['projects'];

export const projectsRouter = router({
  /**
   * Creates a project with three environments: dev, staging and a protected production.
   */
  create: orgProcedure
    .meta({
      errors: ['SLUG_TAKEN', 'LIMIT_REACHED'],
      permission: 'projects.write',
      openapi: {
        method: 'POST',
        path: '/projects',
        tags,
        summary: 'Create a project with dev, staging and production',
      },
    })
    .input(CreateProjectInput)
    .output(ProjectDto)
    .mutation(({ ctx, input }) => projects.createProject(ctx.em, { audit: ctx.audit, ...input })),

  /**
   * The organization's projects, each environment with its latest deployment, a page at a time.
   * Iterate every page with `paginate`.
   */
  list: orgProcedure
    .meta({
      permission: 'projects.read',
      openapi: {
        method: 'GET',
        path: '/projects',
        tags,
        summary: 'Projects, with each environment’s latest deployment',
      },
    })
    .input(ListProjectsInput)
    .output(ProjectListDto)
    .query(({ ctx, input }) => projects.listProjects(ctx.em, { organizationId: ctx.organization.id, ...input })),

  /**
   * One project, each environment with its latest deployment.
   */
  get: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND'],
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/projects/{id}', tags, summary: 'One project' },
    })
    .input(ProjectRef)
    .output(ProjectDto)
    .query(({ ctx, input }) => projects.getProject(ctx.em, input.id)),

  /**
   * Renames a project, changes its slug, or links it to a verified AWS connection (null unlinks).
   */
  update: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND', 'SLUG_TAKEN', 'AWS_CONNECTION_NOT_FOUND', 'CONNECTION_NOT_VERIFIED'],
      permission: 'projects.write',
      openapi: { method: 'PATCH', path: '/projects/{id}', tags, summary: 'Rename a project or change its slug' },
    })
    .input(UpdateProjectInput)
    .output(ProjectDto)
    .mutation(({ ctx, input }) => projects.updateProject(ctx.em, { audit: ctx.audit, ...input })),

  /**
   * Deletes a project, refused while any of its deployments is queued or in progress.
   */
  delete: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND', 'DEPLOYMENTS_RUNNING'],
      permission: 'projects.delete',
      openapi: { method: 'DELETE', path: '/projects/{id}', tags, summary: 'Delete a project (not while it deploys)' },
    })
    .input(ProjectRef)
    .output(Ok)
    .mutation(({ ctx, input }) => projects.deleteProject(ctx.em, { audit: ctx.audit, id: input.id })),

  /**
   * Checks a strictops.yml (up to 64 KiB) without changing anything: every problem with its line and
   * column, or the normalized configuration. The SDK sends a long document by POST.
   */
  validateConfig: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND'],
      permission: 'projects.read',
      rateLimit: 'write',
      openapi: {
        method: 'POST',
        path: '/projects/{id}/config/validate',
        tags,
        summary: 'Check a strictops.yml: every problem, or the normalized configuration',
      },
    })
    .input(ConfigInput)
    .output(ValidateConfigDto)
    .query(({ ctx, input }) => validateConfig(ctx.em, input)),

  /**
   * Applies a strictops.yml to a project: its services, resources and environments. Applying the same
   * text again changes nothing; a document with problems is `INVALID_CONFIG` and changes nothing.
   */
  applyConfig: orgProcedure
    .meta({
      errors: ['PROJECT_NOT_FOUND', 'INVALID_CONFIG', 'STACK_LIMIT_EXCEEDED', 'RESOURCE_MOVE_UNCONFIRMED'],
      permission: 'projects.write',
      openapi: {
        method: 'PUT',
        path: '/projects/{id}/config',
        tags,
        summary: 'Apply a strictops.yml: services, resources, environments',
      },
    })
    .input(ApplyConfigInput)
    .output(ApplyConfigDto)
    .mutation(async ({ ctx, input }) => {
      const result = await applyConfig(ctx.em, { audit: ctx.audit, authorize: ctx.authorize, ...input });
      if (!result.applied) {
        throw new AppError(
          'INVALID_CONFIG',
          `strictops.yml has ${result.problems.length} problem(s); nothing was changed`,
          {
            field: 'yaml',
            details: { problems: result.problems },
          },
        );
      }
      return result.outcome;
    }),

  // Named here, not spread: a spread drops the procedures' TSDoc from the SDK's declarations.
  /**
   * The CloudFormation stacks one environment deploys as under the project's strategy (or the one
   * given), in deployment order: names, contents, exports and imports, protection, region. Checked
   * against CloudFormation's limits.
   */
  stackPlan: stackProcedures.stackPlan,
  /**
   * Changes the project's stack strategy or region. Answers the diff against what is live; moving a
   * stateful resource between live stacks must be confirmed by name (`confirmResourceMoves`), and
   * changing a protected environment's stacks needs strictops_admin. `dryRun` changes nothing.
   */
  updateStacks: stackProcedures.updateStacks,
});
