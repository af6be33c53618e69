import { z } from 'zod';
import {
  AlertChannelDto,
  AlertChannelListDto,
  AlertDeliveryDto,
  AlertDeliveryPageDto,
  CreatedAlertChannelDto,
  TestResultDto,
} from './alert-channels/alert-channels.schemas.ts';
import { AlertDto, AlertPageDto } from './alerts/alerts.schemas.ts';
import { ApiTokenDto, ApiTokenListDto, CreatedApiTokenDto } from './api-tokens/api-tokens.schemas.ts';
import { AuditEventDto, AuditEventListDto, AuditVerificationDto } from './audit/audit.schemas.ts';
import { MeDto, SessionDto, SessionListDto, SessionTokenDto, SignedInDto, UserDto } from './auth/auth.schemas.ts';
import {
  AwsConnectionDto,
  AwsConnectionListDto,
  CreatedAwsConnectionDto,
} from './aws-connections/aws-connections.schemas.ts';
import {
  CreatedDeploymentDto,
  DeploymentDetailDto,
  DeploymentDto,
  DeploymentListDto,
} from './deployments/deployments.schemas.ts';
import { EnvironmentDto, EnvironmentListDto } from './environments/environments.schemas.ts';
import {
  BeginInstallDto,
  GithubInstallationDto,
  GithubInstallationListDto,
  RepositoryDto,
  RepositoryPageDto,
} from './github-installations/github-installations.schemas.ts';
import { InvitationDto, InvitationListDto, InvitationPreviewDto } from './invitations/invitations.schemas.ts';
import { MemberDto, MemberListDto } from './members/members.schemas.ts';
import {
  DeletedOrganizationDto,
  OrganizationListDto,
  OrganizationWithRoleDto,
  UsageDto,
} from './organizations/organizations.schemas.ts';
import {
  ApplyConfigDto,
  ConfigProblemDto,
  DeploymentSummaryDto,
  ProjectDto,
  ProjectListDto,
  ValidateConfigDto,
} from './projects/projects.schemas.ts';
import { Ok } from './shared/schemas.ts';
import { PlannedStackDto, StackPlanDto, UpdatedStacksDto } from './stacks/stacks.schemas.ts';

/**
 * The domain objects by the names the OpenAPI document gives them: each becomes one component, so
 * a client generated from the document has one `Project` type, not one per operation. A procedure's
 * REST answer must be one of these (a test fails otherwise).
 */
export const DOMAIN_SCHEMAS = {
  Ok,
  User: UserDto,
  SessionToken: SessionTokenDto,
  SignedIn: SignedInDto,
  Me: MeDto,
  Session: SessionDto,
  SessionList: SessionListDto,
  Organization: OrganizationWithRoleDto,
  OrganizationList: OrganizationListDto,
  Usage: UsageDto,
  DeletedOrganization: DeletedOrganizationDto,
  Member: MemberDto,
  MemberPage: MemberListDto,
  Invitation: InvitationDto,
  InvitationPage: InvitationListDto,
  InvitationPreview: InvitationPreviewDto,
  Project: ProjectDto,
  ProjectPage: ProjectListDto,
  Environment: EnvironmentDto,
  EnvironmentList: EnvironmentListDto,
  DeploymentSummary: DeploymentSummaryDto,
  ConfigProblem: ConfigProblemDto,
  ConfigValidation: ValidateConfigDto,
  ConfigApplied: ApplyConfigDto,
  Deployment: DeploymentDto,
  DeploymentDetail: DeploymentDetailDto,
  CreatedDeployment: CreatedDeploymentDto,
  DeploymentPage: DeploymentListDto,
  AwsConnection: AwsConnectionDto,
  CreatedAwsConnection: CreatedAwsConnectionDto,
  AwsConnectionList: AwsConnectionListDto,
  GithubInstallation: GithubInstallationDto,
  GithubInstallationList: GithubInstallationListDto,
  GithubInstallLink: BeginInstallDto,
  Repository: RepositoryDto,
  RepositoryPage: RepositoryPageDto,
  AlertChannel: AlertChannelDto,
  CreatedAlertChannel: CreatedAlertChannelDto,
  AlertChannelList: AlertChannelListDto,
  AlertTestResult: TestResultDto,
  AlertDelivery: AlertDeliveryDto,
  AlertDeliveryPage: AlertDeliveryPageDto,
  Alert: AlertDto,
  AlertPage: AlertPageDto,
  PlannedStack: PlannedStackDto,
  StackPlan: StackPlanDto,
  StacksUpdated: UpdatedStacksDto,
  ApiToken: ApiTokenDto,
  CreatedApiToken: CreatedApiTokenDto,
  ApiTokenPage: ApiTokenListDto,
  AuditEvent: AuditEventDto,
  AuditEventPage: AuditEventListDto,
  AuditVerification: AuditVerificationDto,
};

// The names are zod metadata, which is what the OpenAPI generator reads; set here, beside the list,
// rather than on each schema, so that the schema files stay about what they carry.
for (const [id, schema] of Object.entries(DOMAIN_SCHEMAS) as [string, z.ZodType][]) {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
}
