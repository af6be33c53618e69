import type { ResourceKind, ServiceType } from '@strictops/db';

/**
 * What CloudFormation allows, checked when a plan is made so that a deploy worker never discovers
 * it half-way through a deployment (AWS CloudFormation quotas; these are hard limits, not quotas an
 * account can raise).
 */
export const CLOUDFORMATION_LIMITS = {
  stackNameLength: 128,
  resourcesPerStack: 500,
  outputsPerStack: 200,
  parametersPerStack: 200,
  exportNameLength: 255,
} as const;
export type CloudFormationLimit = keyof typeof CLOUDFORMATION_LIMITS;

/** An AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`). */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A stack name: a letter, then letters, digits and hyphens. */
export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
/** An export name: letters, digits, colons and hyphens. */
export const EXPORT_NAME = /^[A-Za-z0-9:-]+$/;

/**
 * The CloudFormation resources each kind of StrictOps resource becomes in a template, and the
 * values it exports for the stacks that use it. Everything the planner counts comes from here, so
 * a template that grows is one line changed.
 */
export const RESOURCE_TEMPLATES: Record<ResourceKind, { resources: readonly string[]; outputs: readonly string[] }> = {
  database: {
    resources: [
      'AWS::RDS::DBInstance',
      'AWS::RDS::DBSubnetGroup',
      'AWS::EC2::SecurityGroup',
      'AWS::SecretsManager::Secret',
    ],
    outputs: ['endpoint', 'port', 'secret-arn', 'security-group-id'],
  },
  storage: { resources: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'], outputs: ['bucket-name', 'bucket-arn'] },
  queue: { resources: ['AWS::SQS::Queue', 'AWS::SQS::Queue'], outputs: ['queue-url', 'queue-arn'] },
  cache: {
    resources: ['AWS::ElastiCache::ReplicationGroup', 'AWS::ElastiCache::SubnetGroup', 'AWS::EC2::SecurityGroup'],
    outputs: ['endpoint', 'port', 'security-group-id'],
  },
};

/**
 * The CloudFormation resources each type of service becomes, and the parameters a deployment fills
 * in (what it deploys changes with every deployment; the template does not).
 */
export const SERVICE_TEMPLATES: Record<ServiceType, { resources: readonly string[]; parameters: readonly string[] }> = {
  container: {
    resources: [
      'AWS::ECS::TaskDefinition',
      'AWS::ECS::Service',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::EC2::SecurityGroup',
    ],
    parameters: ['image-uri'],
  },
  function: {
    resources: ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Logs::LogGroup'],
    parameters: ['code-key'],
  },
  static: {
    resources: ['AWS::S3::Bucket', 'AWS::CloudFront::Distribution', 'AWS::CloudFront::OriginAccessControl'],
    parameters: ['content-prefix'],
  },
};

/**
 * A service reaches a database or cache it uses through one ingress rule
 * (`AWS::EC2::SecurityGroupIngress`, in the service's stack) on that resource's security group.
 */
export const NETWORKED_KINDS: readonly ResourceKind[] = ['database', 'cache'];
