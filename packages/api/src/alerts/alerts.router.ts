import { router } from '../trpc/init.ts';
import { orgProcedure } from '../trpc/procedures.ts';
import { AlertDto, AlertPageDto, AlertRef, ListAlertsInput } from './alerts.schemas.ts';
import * as alerts from './alerts.service.ts';

const tags = ['alerts'];

/** Monitoring alerts as members see them (docs/alerts.md); monitoring raises them through internal.alerts. */
export const alertsRouter = router({
  /** The organization's monitoring alerts, newest first, filtered by status, project, environment and severity. */
  list: orgProcedure
    .meta({
      permission: 'alerts.read',
      openapi: { method: 'GET', path: '/alerts', tags, summary: 'Alerts, newest first' },
    })
    .input(ListAlertsInput)
    .output(AlertPageDto)
    .query(({ ctx, input }) => alerts.listAlerts(ctx.em, input)),

  /** One alert, with how often it repeated and who acknowledged it. */
  get: orgProcedure
    .meta({
      permission: 'alerts.read',
      errors: ['ALERT_NOT_FOUND'],
      openapi: { method: 'GET', path: '/alerts/{id}', tags, summary: 'One alert' },
    })
    .input(AlertRef)
    .output(AlertDto)
    .query(async ({ ctx, input }) => alerts.alertView(await alerts.loadAlert(ctx.em, input.id))),

  /** Takes an open alert on, recording who; a resolved alert cannot be acknowledged. */
  acknowledge: orgProcedure
    .meta({
      permission: 'alerts.acknowledge',
      errors: ['ALERT_NOT_FOUND', 'ALERT_RESOLVED'],
      openapi: {
        method: 'POST',
        path: '/alerts/{id}/acknowledge',
        tags,
        summary: 'Take an open alert on (records who)',
      },
    })
    .input(AlertRef)
    .output(AlertDto)
    .mutation(({ ctx, input }) => alerts.acknowledgeAlert(ctx.em, { audit: ctx.audit, id: input.id })),
});
