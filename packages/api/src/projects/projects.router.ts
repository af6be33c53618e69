import { Ok } from '../auth/auth.schemas.ts';
import { AppError } from '../errors.ts';
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
  create: orgProcedure
    .meta({
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
    .query(({ ctx, input }) => projects.listProjects(ctx.em, input)),

  get: orgProcedure
    .meta({
      permission: 'projects.read',
      openapi: { method: 'GET', path: '/projects/{id}', tags, summary: 'One project' },
    })
    .input(ProjectRef)
    .output(ProjectDto)
    .query(({ ctx, input }) => projects.getProject(ctx.em, input.id)),

  update: orgProcedure
    .meta({
      permission: 'projects.write',
      openapi: { method: 'PATCH', path: '/projects/{id}', tags, summary: 'Rename a project or change its slug' },
    })
    .input(UpdateProjectInput)
    .output(ProjectDto)
    .mutation(({ ctx, input }) => projects.updateProject(ctx.em, { audit: ctx.audit, ...input })),

  delete: orgProcedure
    .meta({
      permission: 'projects.delete',
      openapi: { method: 'DELETE', path: '/projects/{id}', tags, summary: 'Delete a project (not while it deploys)' },
    })
    .input(ProjectRef)
    .output(Ok)
    .mutation(({ ctx, input }) => projects.deleteProject(ctx.em, { audit: ctx.audit, id: input.id })),

  validateConfig: orgProcedure
    .meta({
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

  applyConfig: orgProcedure
    .meta({
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

  ...stackProcedures,
});
