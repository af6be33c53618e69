import { HttpResponse, http } from 'msw';

/**
 * What the stand-in STS does with an AssumeRole call: the role's own rules, written by the test,
 * and optionally an STS error code it answers instead (`Throttling`, `InternalFailure`,
 * `InvalidClientTokenId`...) with or without the external ID.
 */
export type RoleRules = Record<
  string,
  { externalId?: string; allowWithoutExternalId?: boolean; faultWith?: StsFault; faultWithout?: StsFault }
>;

/** STS errors that say nothing about the role, with the HTTP status STS answers them with. */
export const STS_FAULTS = {
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  InvalidClientTokenId: 403,
  ExpiredToken: 400,
} as const;
export type StsFault = keyof typeof STS_FAULTS;

const fault = (code: StsFault) =>
  new HttpResponse(
    `<ErrorResponse><Error><Type>${STS_FAULTS[code] >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${code}</Message></Error></ErrorResponse>`,
    { status: STS_FAULTS[code], headers: { 'content-type': 'text/xml' } },
  );

const ok = (roleArn: string) =>
  new HttpResponse(
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
      <AssumedRoleUser><Arn>${roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/strictops-verify</Arn><AssumedRoleId>AROATEST:strictops-verify</AssumedRoleId></AssumedRoleUser>
      <Credentials><AccessKeyId>ASIATEST</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
    </AssumeRoleResult></AssumeRoleResponse>`,
    { headers: { 'content-type': 'text/xml' } },
  );

const denied = () =>
  new HttpResponse(
    '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>',
    { status: 403, headers: { 'content-type': 'text/xml' } },
  );

/** An msw handler standing in for AWS STS (regional endpoint), answering by the given rules. */
export function stsHandler(rules: RoleRules, calls: { roleArn: string; externalId: string | null }[] = []) {
  return http.post(/^https:\/\/sts\.[a-z0-9-]+\.amazonaws\.com\/?$/, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    const roleArn = form.get('RoleArn') ?? '';
    const externalId = form.get('ExternalId');
    calls.push({ roleArn, externalId });
    const rule = rules[roleArn];
    if (!rule) return denied();
    if (externalId === null && rule.faultWithout) return fault(rule.faultWithout);
    if (externalId !== null && rule.faultWith) return fault(rule.faultWith);
    if (externalId === null) return rule.allowWithoutExternalId ? ok(roleArn) : denied();
    return rule.externalId === undefined || rule.externalId === externalId ? ok(roleArn) : denied();
  });
}

export const TEST_AWS = {
  accountId: '111111111111',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'test-secret-key' },
};
