import { NoInput, Ok } from '../shared/schemas.ts';
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
  /**
   * Starts an AWS connection: answers its external ID, the CloudFormation template that creates the
   * role in your account, and a console link that opens it.
   */
  create: orgProcedure
    .meta({
      errors: ['AWS_NOT_CONFIGURED', 'LIMIT_REACHED'],
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

  /**
   * Verifies the role you created by assuming it with STS; on success the connection is `verified`
   * with the role's account.
   */
  verify: orgProcedure
    .meta({
      errors: [
        'AWS_NOT_CONFIGURED',
        'AWS_CONNECTION_NOT_FOUND',
        'AWS_UNAVAILABLE',
        'ROLE_ALREADY_CONNECTED',
        'CONNECTION_IN_USE',
      ],
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

  /**
   * The organization's AWS connections.
   */
  list: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/aws-connections', tags, summary: 'The organization’s AWS connections' },
    })
    .input(NoInput)
    .output(AwsConnectionListDto)
    .query(({ ctx }) => connections.listAwsConnections(ctx.em)),

  /**
   * One AWS connection.
   */
  get: orgProcedure
    .meta({
      errors: ['AWS_CONNECTION_NOT_FOUND'],
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/aws-connections/{id}', tags, summary: 'One AWS connection' },
    })
    .input(AwsConnectionRef)
    .output(AwsConnectionDto)
    .query(({ ctx, input }) => connections.getAwsConnection(ctx.em, input.id)),

  /**
   * Deletes an AWS connection, refused while projects use it.
   */
  delete: orgProcedure
    .meta({
      errors: ['AWS_CONNECTION_NOT_FOUND', 'CONNECTION_IN_USE'],
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
