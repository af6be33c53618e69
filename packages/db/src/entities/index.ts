import { ApiToken } from './api-token.entity.ts';
import { AuditCheckpoint } from './audit-checkpoint.entity.ts';
import { AuditEvent } from './audit-event.entity.ts';
import { Invitation } from './invitation.entity.ts';
import { Membership } from './membership.entity.ts';
import { Organization } from './organization.entity.ts';
import { Session } from './session.entity.ts';
import { User } from './user.entity.ts';

export { API_TOKEN_HASH_SETTING, ApiToken, TOKEN_SCOPES, type TokenScope } from './api-token.entity.ts';
export { AuditCheckpoint } from './audit-checkpoint.entity.ts';
export {
  ACTOR_TYPES,
  type ActorType,
  AUDIT_OUTCOMES,
  AuditEvent,
  type AuditOutcome,
} from './audit-event.entity.ts';
export {
  INVITATION_LIFETIME_MS,
  INVITATION_STATUSES,
  Invitation,
  type InvitationStatus,
} from './invitation.entity.ts';
export { Membership, ROLES, type Role } from './membership.entity.ts';
export { Organization, TIERS, type Tier } from './organization.entity.ts';
export { Session } from './session.entity.ts';
export { User } from './user.entity.ts';

export const entities = [User, Session, Organization, Membership, AuditEvent, ApiToken, AuditCheckpoint, Invitation];
