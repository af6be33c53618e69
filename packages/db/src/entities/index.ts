import { Alert } from './alert.entity.ts';
import { AlertChannel } from './alert-channel.entity.ts';
import { AlertDelivery } from './alert-delivery.entity.ts';
import { ApiToken } from './api-token.entity.ts';
import { AuditCheckpoint } from './audit-checkpoint.entity.ts';
import { AuditEvent } from './audit-event.entity.ts';
import { AwsConnection } from './aws-connection.entity.ts';
import { Deployment } from './deployment.entity.ts';
import { Environment } from './environment.entity.ts';
import { GithubInstallation } from './github-installation.entity.ts';
import { GithubWebhookDelivery } from './github-webhook-delivery.entity.ts';
import { Invitation } from './invitation.entity.ts';
import { Membership } from './membership.entity.ts';
import { Organization } from './organization.entity.ts';
import { Project } from './project.entity.ts';
import { Resource } from './resource.entity.ts';
import { Service } from './service.entity.ts';
import { Session } from './session.entity.ts';
import { User } from './user.entity.ts';

export {
  ALERT_SEVERITIES,
  ALERT_STATUSES,
  Alert,
  type AlertSeverity,
  type AlertStatus,
} from './alert.entity.ts';
export { ALERT_CHANNEL_TYPES, AlertChannel, type AlertChannelType, type AlertRouting } from './alert-channel.entity.ts';
export {
  ALERT_DELIVERY_STATUSES,
  type AlertAttempt,
  AlertDelivery,
  type AlertDeliveryStatus,
} from './alert-delivery.entity.ts';
export { ApiToken, TOKEN_SCOPES, type TokenScope } from './api-token.entity.ts';
export { AuditCheckpoint } from './audit-checkpoint.entity.ts';
export {
  ACTOR_TYPES,
  type ActorType,
  AUDIT_OUTCOMES,
  AuditEvent,
  type AuditOutcome,
} from './audit-event.entity.ts';
export { AWS_CONNECTION_STATUSES, AwsConnection, type AwsConnectionStatus } from './aws-connection.entity.ts';
export { DEPLOYMENT_STATUSES, Deployment, type DeploymentStatus } from './deployment.entity.ts';
export { Environment } from './environment.entity.ts';
export {
  GITHUB_INSTALLATION_STATUSES,
  GithubInstallation,
  type GithubInstallationStatus,
} from './github-installation.entity.ts';
export { GithubWebhookDelivery } from './github-webhook-delivery.entity.ts';
export {
  INVITATION_LIFETIME_MS,
  INVITATION_STATUSES,
  Invitation,
  type InvitationStatus,
} from './invitation.entity.ts';
export { Membership, ROLES, type Role } from './membership.entity.ts';
export { Organization, TIERS, type Tier } from './organization.entity.ts';
export { DEFAULT_STACK_REGION, Project, STACK_STRATEGIES, type StackStrategy } from './project.entity.ts';
export { RESOURCE_KINDS, Resource, type ResourceKind } from './resource.entity.ts';
export { SERVICE_TYPES, Service, type ServiceType } from './service.entity.ts';
export { Session } from './session.entity.ts';
export { User } from './user.entity.ts';

export const entities = [
  User,
  Session,
  Organization,
  Membership,
  AuditEvent,
  ApiToken,
  AuditCheckpoint,
  Invitation,
  Project,
  Environment,
  Service,
  Resource,
  Deployment,
  AwsConnection,
  GithubInstallation,
  GithubWebhookDelivery,
  AlertChannel,
  AlertDelivery,
  Alert,
];
