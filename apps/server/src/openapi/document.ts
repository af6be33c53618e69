import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi';
import { ErrorBody, HEADER_COMPONENTS, PARAMETER_COMPONENTS } from './error-responses.ts';
import { procedurePaths } from './procedure-operations.ts';
import { serverRoutePaths } from './server-routes.ts';

export const API_VERSION = '0.1.0';

const DESCRIPTION = `Organizations, their members and everything they own.

**Authentication.** Send \`Authorization: Bearer <token>\`: a session token from sign-up or sign-in, or an API
token (\`sops_…\`, bound to one organization). Browsers may use the \`strictops_session\` cookie instead; a
cookie-authenticated change must come with an \`Origin\` of this site and a JSON body.

**Organization.** Organization operations act on the \`x-strictops-organization\` header (id or slug), else the
session's active organization. Naming one you do not belong to is \`ORGANIZATION_NOT_FOUND\`, exactly like
one that does not exist.

**Errors.** Every error has one body (the \`Error\` schema): branch on \`data.errorCode\`, a stable code with one
HTTP status each (docs/error-codes.md). Bad input is 400 with \`data.field\` and \`data.issues\`.

**Rate limits.** Every answer carries \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`; over
the limit is 429 \`RATE_LIMITED\` with \`Retry-After\`.

**Dates** are ISO 8601 strings (\`format: date-time\`), in UTC. Lists are cursor-paginated: pass the
\`nextCursor\` of a page as \`cursor\` until it is null.

The same operations are served over tRPC at \`/trpc\` for the typed SDK (\`@strictops/sdk\`).`;

/** Dates are ISO 8601 strings on the wire; zod-openapi says only `string` of its own accord. */
function dateTimeFormat({
  zodSchema,
  jsonSchema,
}: {
  zodSchema: { _zod: { def: { type: string } } };
  jsonSchema: Record<string, unknown>;
}) {
  if (zodSchema._zod.def.type === 'date') {
    jsonSchema.type = 'string';
    jsonSchema.format = 'date-time';
  }
  // zod spells out the UUID grammar as a pattern too; the format says it.
  if (jsonSchema.format === 'uuid') delete jsonSchema.pattern;
  // zod bounds every integer to the safe range; saying so on every count and id is noise.
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

function sortedPaths(paths: ZodOpenApiPathsObject): ZodOpenApiPathsObject {
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
}

/** The OpenAPI document: every procedure with a REST route, and the server's own routes. */
export function openApiDocument(config: { publicUrl: string }) {
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'StrictOps control plane API',
        version: API_VERSION,
        description: DESCRIPTION,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: config.publicUrl }],
      paths: sortedPaths({ ...procedurePaths(), ...serverRoutePaths }),
      components: {
        schemas: { Error: ErrorBody },
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token (sign-up, sign-in) or an API token (`sops_…`)',
          },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'strictops_session' },
        },
        headers: HEADER_COMPONENTS as never,
        parameters: PARAMETER_COMPONENTS as never,
      },
    },
    { override: dateTimeFormat as never },
  );
}
