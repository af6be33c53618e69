import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsSettings } from '../dependencies.ts';
import { AppError } from '../errors.ts';

/** What STS said to one AssumeRole call, where it is a statement about the role. */
type Answer = 'assumed' | 'denied' | 'rejected';

/**
 * One AssumeRole call. Only `AccessDenied` says the role refuses; throttling, AWS failing, a
 * timeout or StrictOps's own credentials failing say nothing about the role, so they change
 * nothing and the caller may try again (`AWS_UNAVAILABLE`).
 */
async function assume(sts: STSClient, roleArn: string, externalId: string | undefined): Promise<Answer> {
  try {
    await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'strictops-verify',
        ExternalId: externalId,
        DurationSeconds: 900,
      }),
    );
    return 'assumed';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'AccessDenied') return 'denied';
    if (name === 'ValidationError' || name === 'MalformedPolicyDocument') return 'rejected';
    throw new AppError(
      'AWS_UNAVAILABLE',
      'AWS could not be asked about the role just now: nothing changed, try again',
      {
        cause: error,
      },
    );
  }
}

/** Why a verification failed, as recorded on the connection. */
export const ROLE_CHECK_FAILURES = {
  denied:
    'AWS refused to let StrictOps assume the role: check that it exists and that its trust policy names the StrictOps account and this connection’s external ID',
  rejected: 'AWS did not accept this role ARN',
  unsafe: 'The role can be assumed without the external ID: add the sts:ExternalId condition to its trust policy',
} as const;

/** What is wrong with the role, or null when it is assumable with the external ID and only with it. */
export async function checkRole(settings: AwsSettings, roleArn: string, externalId: string) {
  const sts = new STSClient({
    region: settings.region,
    credentials: settings.credentials,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
  });
  try {
    const answer = await assume(sts, roleArn, externalId);
    if (answer !== 'assumed') return answer;
    return (await assume(sts, roleArn, undefined)) === 'assumed' ? 'unsafe' : null;
  } finally {
    sts.destroy();
  }
}
