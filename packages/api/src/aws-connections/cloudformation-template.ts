import type { AwsSettings } from '../dependencies.ts';

/**
 * What the customer deploys in their account: a role StrictOps may assume only with the external
 * ID. The external ID is a parameter defaulting to this connection's, so the same document serves
 * as the quick-create template an operator publishes (`STRICTOPS_AWS_TEMPLATE_URL`). The role's
 * name is left to CloudFormation, so that two connections can live in one account.
 */
export function cloudFormationTemplate(aws: AwsSettings, externalId: string) {
  return JSON.stringify(
    {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: 'Lets StrictOps deploy into this account',
      Parameters: {
        ExternalId: {
          Type: 'String',
          Default: externalId,
          AllowedPattern: '[\\w-]{32}',
          Description: 'The external ID of your StrictOps AWS connection',
        },
      },
      Resources: {
        StrictOpsDeployRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${aws.accountId}:root` },
                  Action: 'sts:AssumeRole',
                  Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
                },
              ],
            },
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],
          },
        },
      },
      Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['StrictOpsDeployRole', 'Arn'] } } },
    },
    null,
    2,
  );
}

/**
 * Where the customer creates the stack. CloudFormation's quick-create page opens only a template
 * kept in S3: with `STRICTOPS_AWS_TEMPLATE_URL` it is prefilled with this connection's external ID;
 * without, the link opens the create-stack page, where the template above is uploaded.
 */
export function consoleUrl(aws: AwsSettings, connection: { id: string; externalId: string }) {
  const home = `https://${aws.region}.console.aws.amazon.com/cloudformation/home?region=${aws.region}`;
  if (!aws.templateUrl) return `${home}#/stacks/create/template`;
  const query = new URLSearchParams({
    templateURL: aws.templateUrl,
    stackName: `strictops-${connection.id.slice(-12)}`,
    param_ExternalId: connection.externalId,
  });
  return `${home}#/stacks/quickcreate?${query}`;
}
