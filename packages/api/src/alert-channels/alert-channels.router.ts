import { Empty, Ok } from '../auth/auth.schemas.ts';
import { fallbackMailer } from '../invitations/mailer.ts';
import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import {
  AlertChannelDto,
  AlertChannelListDto,
  AlertChannelRef,
  AlertDeliveryPageDto,
  CreateAlertChannelInput,
  CreatedAlertChannelDto,
  ListDeliveriesInput,
  TestResultDto,
  UpdateAlertChannelInput,
} from './alert-channels.schemas.ts';
import * as channels from './alert-channels.service.ts';

const tags = ['alert channels'];

export const alertChannelsRouter = router({
  create: orgProcedure
    .meta({
      permission: 'alertChannels.manage',
      openapi: { method: 'POST', path: '/alert-channels', tags, summary: 'Add an alert channel' },
    })
    .input(CreateAlertChannelInput)
    .output(CreatedAlertChannelDto)
    .mutation(({ ctx, input }) =>
      channels.createAlertChannel(ctx.em, { audit: ctx.audit, secrets: ctx.secrets, ...input }),
    ),

  update: orgProcedure
    .meta({
      permission: 'alertChannels.manage',
      openapi: { method: 'PATCH', path: '/alert-channels/{id}', tags, summary: 'Rename, retarget, enable or disable' },
    })
    .input(UpdateAlertChannelInput)
    .output(AlertChannelDto)
    .mutation(({ ctx, input }) =>
      channels.updateAlertChannel(ctx.em, { audit: ctx.audit, secrets: ctx.secrets, ...input }),
    ),

  delete: orgProcedure
    .meta({
      permission: 'alertChannels.manage',
      openapi: { method: 'DELETE', path: '/alert-channels/{id}', tags, summary: 'Delete an alert channel' },
    })
    .input(AlertChannelRef)
    .output(Ok)
    .mutation(({ ctx, input }) => channels.deleteAlertChannel(ctx.em, { audit: ctx.audit, id: input.id })),

  list: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/alert-channels', tags, summary: 'The organization’s alert channels' },
    })
    .input(Empty)
    .output(AlertChannelListDto)
    .query(({ ctx }) => channels.listAlertChannels(ctx.em)),

  test: orgProcedure
    .meta({
      permission: 'alertChannels.manage',
      // The send runs outside any transaction (see testAlertChannel).
      transaction: 'manual',
      openapi: {
        method: 'POST',
        path: '/alert-channels/{id}/test',
        tags,
        summary: 'Send a test alert now and report the outcome',
      },
    })
    .input(AlertChannelRef)
    .output(TestResultDto)
    .mutation(({ ctx, input }) =>
      channels.testAlertChannel(ctx.transaction, {
        audit: ctx.audit,
        id: input.id,
        mailer: ctx.mailer ?? fallbackMailer(),
        secrets: ctx.secrets,
      }),
    ),

  deliveries: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: {
        method: 'GET',
        path: '/alert-channels/{id}/deliveries',
        tags,
        summary: 'The channel’s delivery log, newest first',
      },
    })
    .input(ListDeliveriesInput)
    .output(AlertDeliveryPageDto)
    .query(({ ctx, input }) => channels.listDeliveries(ctx.em, input)),
});
