// Holds every error body a test suite sees to the OpenAPI document. The test app records each
// answer of 400 or more; closing the app validates them with ajv against the operation's documented
// response for that status (tRPC bodies, inside their envelope, against the Error schema's `data`).
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

type Seen = { method: string; url: string; status: number; contentType: string; body: string };

type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

const pointer = (...segments: string[]) =>
  segments.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The documented path template a concrete path matches (`/projects/{id}` for `/projects/0193…`). */
function templateOf(document: Document, path: string): string | undefined {
  if (document.paths[path]) return path;
  return Object.keys(document.paths).find((template) => {
    if (!template.includes('{')) return false;
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
}

/** Records error answers of `app`; `check()` validates them against its /openapi.json. */
export function recordErrorBodies(app: FastifyInstance) {
  const seen: Seen[] = [];
  app.addHook('onSend', async (request, reply, payload) => {
    // The tRPC adapter sends a fetch Response, which carries its own status; a batch with errors
    // among its results is a 207.
    const status = payload instanceof Response ? payload.status : reply.statusCode;
    if (status < 400 && status !== 207) return payload;
    // A Response's clone is read while the original streams on.
    const body =
      typeof payload === 'string' ? payload : payload instanceof Response ? await payload.clone().text() : undefined;
    if (body === undefined) return payload;
    const contentType =
      payload instanceof Response ? payload.headers.get('content-type') : reply.getHeader('content-type');
    seen.push({
      method: request.method,
      url: request.url,
      status,
      contentType: String(contentType ?? ''),
      body,
    });
    return payload;
  });
  return {
    seen,
    async check() {
      const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
      return violations(document, seen);
    },
  };
}

/** Every recorded body that does not match the document, as a line naming what failed. */
export function violations(document: Document, seen: Seen[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi');
  const errorData = ajv.getSchema(`openapi#/${pointer('components', 'schemas', 'Error', 'properties', 'data')}`);
  if (!errorData) throw new Error('the document has no Error schema');
  const problems: string[] = [];
  for (const answer of seen) {
    const where = `${answer.method} ${answer.url} -> ${answer.status}`;
    if (!answer.contentType.startsWith('application/json')) {
      problems.push(`${where}: not JSON (${answer.contentType}): ${answer.body.slice(0, 200)}`);
      continue;
    }
    const body = JSON.parse(answer.body) as unknown;
    const path = answer.url.split('?')[0] ?? '';
    if (path.startsWith('/trpc/')) {
      // tRPC: one envelope per call of a batch, each error shape superjson-encoded under `json`.
      const envelopes = Array.isArray(body) ? body : [body];
      for (const envelope of envelopes as { error?: { json?: { data?: unknown } } }[]) {
        if (!envelope.error) continue;
        if (!errorData(envelope.error.json?.data)) {
          problems.push(`${where}: ${ajv.errorsText(errorData.errors)} in ${JSON.stringify(envelope.error.json)}`);
        }
      }
      continue;
    }
    const template = templateOf(document, path);
    const operation = template ? document.paths[template]?.[answer.method.toLowerCase()] : undefined;
    const schemaPath = operation
      ? operation.responses[String(answer.status)] &&
        pointer(
          'paths',
          template as string,
          answer.method.toLowerCase(),
          'responses',
          String(answer.status),
          'content',
          'application/json',
          'schema',
        )
      : pointer('components', 'schemas', 'Error');
    if (!schemaPath) {
      problems.push(
        `${where}: the document lists no ${answer.status} for ${answer.method} ${template}: ${answer.body.slice(0, 300)}`,
      );
      continue;
    }
    const validate = ajv.getSchema(`openapi#/${schemaPath}`);
    if (!validate?.(body))
      problems.push(`${where}: ${ajv.errorsText(validate?.errors)} in ${answer.body.slice(0, 300)}`);
  }
  return problems;
}
