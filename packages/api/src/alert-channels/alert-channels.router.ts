import { fallbackMailer } from '../invitations/mailer.ts';
import { NoInput, Ok } from '../shared/schemas.ts';
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
import { testAlertChannel } from './test-sends.ts';

const tags = ['alert channels'];

export const alertChannelsRouter = router({
  /**
   * Adds an alert channel (email, Slack, webhook or PagerDuty). A webhook channel's signing secret is
   * in the answer once and never again.
   */
  create: orgProcedure
    .meta({
      errors: ['UNSAFE_URL', 'CHANNEL_NAME_TAKEN', 'LIMIT_REACHED', 'PROJECT_NOT_FOUND'],
      permission: 'alertChannels.manage',
      openapi: { method: 'POST', path: '/alert-channels', tags, summary: 'Add an alert channel' },
    })
    .input(CreateAlertChannelInput)
    .output(CreatedAlertChannelDto)
    .mutation(({ ctx, input }) =>
      channels.createAlertChannel(ctx.em, { audit: ctx.audit, secrets: ctx.secrets, ...input }),
    ),

  /**
   * Renames, retargets, enables or disables an alert channel.
   */
  update: orgProcedure
    .meta({
      errors: ['ALERT_CHANNEL_NOT_FOUND', 'UNSAFE_URL', 'CHANNEL_NAME_TAKEN', 'PROJECT_NOT_FOUND'],
      permission: 'alertChannels.manage',
      openapi: { method: 'PATCH', path: '/alert-channels/{id}', tags, summary: 'Rename, retarget, enable or disable' },
    })
    .input(UpdateAlertChannelInput)
    .output(AlertChannelDto)
    .mutation(({ ctx, input }) =>
      channels.updateAlertChannel(ctx.em, { audit: ctx.audit, secrets: ctx.secrets, ...input }),
    ),

  /**
   * Deletes an alert channel.
   */
  delete: orgProcedure
    .meta({
      errors: ['ALERT_CHANNEL_NOT_FOUND'],
      permission: 'alertChannels.manage',
      openapi: { method: 'DELETE', path: '/alert-channels/{id}', tags, summary: 'Delete an alert channel' },
    })
    .input(AlertChannelRef)
    .output(Ok)
    .mutation(({ ctx, input }) => channels.deleteAlertChannel(ctx.em, { audit: ctx.audit, id: input.id })),

  /**
   * The organization's alert channels, secrets masked.
   */
  list: orgProcedure
    .meta({
      permission: 'organization.read',
      openapi: { method: 'GET', path: '/alert-channels', tags, summary: 'The organization’s alert channels' },
    })
    .input(NoInput)
    .output(AlertChannelListDto)
    .query(({ ctx }) => channels.listAlertChannels(ctx.em)),

  /**
   * Sends a test alert through a channel now and reports the outcome (a status code, never the
   * remote's body).
   */
  test: orgProcedure
    .meta({
      errors: ['ALERT_CHANNEL_NOT_FOUND', 'ALERT_TEST_BUSY'],
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
      testAlertChannel(ctx.transaction, {
        audit: ctx.audit,
        id: input.id,
        mailer: ctx.mailer ?? fallbackMailer(),
        secrets: ctx.secrets,
      }),
    ),

  /**
   * A channel's delivery log, newest first, a page at a time. Iterate every page with `paginate`.
   */
  deliveries: orgProcedure
    .meta({
      errors: ['ALERT_CHANNEL_NOT_FOUND'],
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
    .query(({ ctx, input }) => channels.listDeliveries(ctx.em, { organizationId: ctx.organization.id, ...input })),
});
