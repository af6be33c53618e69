import { Empty, Ok } from '../auth/auth.schemas.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  AwsConnectionDto,
  AwsConnectionListDto,
  AwsConnectionRef,
  CreateAwsConnectionInput,
  CreatedAwsConnectionDto,
  VerifyAwsConnectionInput,
} from './aws-connections.schemas.ts';
import * as connections from './aws-connections.service.ts';

const tags = ['aws connections'];

export const awsConnectionsRouter = router({
  create: orgProcedure
    .meta({
      permission: 'integrations.manage',
      openapi: {
        method: 'POST',
        path: '/aws-connections',
        tags,
        summary: 'Start an AWS connection: external ID, template, console link',
      },
    })
    .input(CreateAwsConnectionInput)
    .output(CreatedAwsConnectionDto)
    .mutation(({ ctx, input }) =>
      connections.createAwsConnection(ctx.em, { audit: ctx.audit, aws: ctx.aws, name: input.name }),
    ),

  verify: orgProcedure
    .meta({
      permission: 'integrations.manage',
      // STS is asked outside any transaction (see verifyAwsConnection).
      transaction: 'manual',
      openapi: {
        method: 'POST',
        path: '/aws-connections/{id}/verify',
        tags,
        summary: 'Verify the role with STS AssumeRole',
      },
    })
    .input(VerifyAwsConnectionInput)
    .output(AwsConnectionDto)
    .mutation(({ ctx, input }) =>
      connections.verifyAwsConnection(ctx.transaction, { audit: ctx.audit, aws: ctx.aws, ...input }),
    ),

  list: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/aws-connections', tags, summary: 'The organization’s AWS connections' },
    })
    .input(Empty)
    .output(AwsConnectionListDto)
    .query(({ ctx }) => connections.listAwsConnections(ctx.em)),

  get: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/aws-connections/{id}', tags, summary: 'One AWS connection' },
    })
    .input(AwsConnectionRef)
    .output(AwsConnectionDto)
    .query(({ ctx, input }) => connections.getAwsConnection(ctx.em, input.id)),

  delete: orgProcedure
    .meta({
      permission: 'integrations.manage',
      openapi: {
        method: 'DELETE',
        path: '/aws-connections/{id}',
        tags,
        summary: 'Delete an AWS connection (not while projects use it)',
      },
    })
    .input(AwsConnectionRef)
    .output(Ok)
    .mutation(({ ctx, input }) => connections.deleteAwsConnection(ctx.em, { audit: ctx.audit, id: input.id })),
});
