import { MAX_INPUT_DEPTH } from '@strictops/api';
import type { FastifyInstance } from 'fastify';

/** True when `value` nests objects and arrays deeper than `max`; walked without recursion. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const queue: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = queue.pop(); item; item = queue.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= max) return true;
    for (const child of Object.values(item.value)) queue.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/**
 * JSON bodies are parsed as Fastify does by default (prototype and constructor poisoning refused), then refused
 * with a 400 when they nest deeper than any input of ours: the tRPC and OpenAPI adapters copy a body
 * with recursive code, which a body of a few kilobytes of `[[[[…` would otherwise crash into a 500.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      if (nestsDeeperThan(value, MAX_INPUT_DEPTH)) {
        return done(
          Object.assign(new Error(`The body may not nest deeper than ${MAX_INPUT_DEPTH}`), { statusCode: 400 }),
          undefined,
        );
      }
      done(null, value);
    });
  });
}
