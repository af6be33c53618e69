// docs/error-codes.md is written from the error table by this module: run it to write the page
// (`npm run docs:error-codes`); apps/server/test/docs.test.ts fails while the page is out of step.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { codesWithStatus, descriptionOf, type ErrorStatus, TRPC_CODE_BY_STATUS } from '../errors.ts';

export const ERROR_CODES_PAGE = fileURLToPath(new URL('../../../../docs/error-codes.md', import.meta.url));

const STATUS_TEXT: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The page, from the table in packages/api/src/errors.ts. */
export function renderErrorCodesPage(): string {
  const statuses = Object.keys(TRPC_CODE_BY_STATUS).map(Number) as ErrorStatus[];
  const sections = statuses.map((status) => {
    const rows = codesWithStatus(status).map((code) => `| \`${code}\` | ${cell(descriptionOf(code))} |`);
    return [
      `## ${status} ${STATUS_TEXT[status]}`,
      '',
      `tRPC code \`${TRPC_CODE_BY_STATUS[status]}\`.`,
      '',
      '| code | meaning |',
      '|---|---|',
      ...rows,
    ].join('\n');
  });
  return `${[
    '# Error codes',
    '',
    '<!-- Generated from packages/api/src/errors.ts by `npm run docs:error-codes`; do not edit by hand. -->',
    '',
    'Every error the API answers has one body, over REST and tRPC alike, described in `/openapi.json` as the',
    '`Error` component:',
    '',
    '```json',
    '{',
    '  "message": "Your role (customer) may not do this: needs projects.delete",',
    '  "code": "FORBIDDEN",',
    '  "data": {',
    '    "errorCode": "PERMISSION_DENIED",',
    '    "httpStatus": 403,',
    '    "code": "FORBIDDEN",',
    '    "path": "projects.delete",',
    '    "field": "…",',
    '    "issues": [{ "path": "…", "message": "…", "code": "…" }],',
    '    "details": {}',
    '  }',
    '}',
    '```',
    '',
    '`data.errorCode` is the stable code to branch on: a code is never renamed or reused, and each has exactly',
    'one HTTP status, listed below. `field` names the input field that failed (a dotted path), `issues` lists',
    'every failed field of a validation error, and `details` carries the facts some codes come with (a limit',
    'and its usage, the problems of a strictops.yml, when to retry). Refusals that say when to retry',
    '(`RATE_LIMITED`, `ALERT_TEST_BUSY`) also send `Retry-After`. Every response carries `x-request-id`: quote',
    'it when you report a problem. Over tRPC the body sits in the batch envelope, superjson-encoded; over REST',
    'a validation error also carries the raw `issues` of the validator at the top level.',
    '',
    'The SDK (`@strictops/sdk`) throws a `StrictOpsError` whose `code` is one of these, or one of its own for',
    'a call that got no answer from the API: `NETWORK_ERROR` (no connection, or an answer that is not the',
    'API’s, such as a proxy’s error page), `TIMEOUT` (its `timeoutMs` passed) and `ABORTED` (the caller’s',
    '`AbortSignal` fired). See [the SDK page](sdk.md).',
    '',
    ...sections.flatMap((section) => [section, '']),
  ]
    .join('\n')
    .trimEnd()}\n`;
}

if (import.meta.main) {
  await writeFile(ERROR_CODES_PAGE, renderErrorCodesPage());
  console.log(`wrote ${ERROR_CODES_PAGE}`);
}
