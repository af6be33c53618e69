import { createCallerFactory } from '@strictops/api';
import type { AnyProcedure, AnyRouter } from '@trpc/server';
import { type $ZodType, util } from 'zod/v4/core';

type Schema = $ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

/**
 * The router the REST adapter (trpc-to-openapi) is given. The adapter marks the fields of a
 * procedure's input schema as coercing on the first request to its route, which would change how
 * tRPC validates too (`"false"` becoming `true`). So the adapter gets, per procedure, copies of the
 * schemas it reads and marks; the procedure itself still validates with its own, untouched schema.
 * Coercion happens only where the transport has no types, the query string of GET and DELETE
 * routes: numbers, booleans and dates are read from their text there, strictly, before the
 * procedure sees its input.
 */
export function restRouter<R extends AnyRouter>(router: R): R {
  const procedures = Object.fromEntries(
    Object.entries(router._def.procedures as Record<string, AnyProcedure>).map(([path, procedure]) => [
      path,
      restProcedure(procedure),
    ]),
  );
  const _def = { ...router._def, procedures, lazy: {} };
  return { ...router, _def, createCaller: createCallerFactory({ _def } as never) } as R;
}

function restProcedure(procedure: AnyProcedure): AnyProcedure {
  const inputs = procedure._def.inputs as Schema[];
  const method = (procedure._def.meta as { openapi?: { method?: string } } | undefined)?.openapi?.method;
  const fromQueryString = method === 'GET' || method === 'DELETE';
  const call = (options: Parameters<AnyProcedure>[0]) =>
    procedure(
      fromQueryString
        ? { ...options, getRawInput: async () => readQueryString(await options.getRawInput(), inputs) }
        : options,
    );
  return Object.assign(call, {
    _def: { ...procedure._def, inputs: inputs.map(copyForAdapter) },
  }) as unknown as AnyProcedure;
}

/**
 * A copy of a schema along every path the adapter walks to mark fields as coercing (objects and
 * their fields, through optional, nullable, default, array and lazy), so that the marks land on
 * the copy. Everything else is shared: the adapter never changes it.
 */
function copyForAdapter(schema: Schema): Schema {
  const def = schema._zod.def;
  const copy = (overrides: Record<string, unknown>) => util.clone(schema, util.mergeDefs(def, overrides)) as Schema;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      return copy({
        shape: Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, copyForAdapter(field)])),
      });
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return copy({ innerType: copyForAdapter(def.innerType as Schema) });
    case 'array':
      return copy({ element: copyForAdapter(def.element as Schema) });
    case 'lazy': {
      const getter = def.getter as () => Schema;
      return copy({ getter: () => copyForAdapter(getter()) });
    }
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'date':
      return copy({});
    default:
      return schema;
  }
}

/** What a field takes once wrappers are looked through: the kind that decides how its text is read. */
function kindOf(schema: Schema): { kind: string; element?: Schema } {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return kindOf(def.innerType as Schema);
    case 'pipe': {
      // A transform reads what its input schema takes; a pipe into another schema, what that takes.
      const out = def.out as Schema;
      return kindOf(out._zod.def.type === 'transform' ? (def.in as Schema) : out);
    }
    case 'lazy':
      return kindOf((def.getter as () => Schema)());
    case 'array':
      return { kind: 'array', element: def.element as Schema };
    default:
      return { kind: def.type };
  }
}

const NUMBER = /^-?(?:\d+|\d*\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;
const ISO_DATE = /^[+-]?\d{4,6}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** One value of a query string, read as its field's kind; text that is not of that kind stays text, for validation to refuse. */
function readText(text: string, kind: string): unknown {
  if (kind === 'number' && NUMBER.test(text)) return Number(text);
  if (kind === 'bigint' && INTEGER.test(text)) return BigInt(text);
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (kind === 'date' && ISO_DATE.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date;
  }
  return text;
}

function readQueryString(input: unknown, inputs: Schema[]): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const fields: Record<string, Schema> = {};
  for (const schema of inputs) {
    const { kind } = kindOf(schema);
    if (kind === 'object') Object.assign(fields, objectShape(schema));
  }
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => {
      const field = fields[key];
      if (!field) return [key, value];
      const { kind, element } = kindOf(field);
      if (kind === 'array' && element) {
        const elementKind = kindOf(element).kind;
        const values = Array.isArray(value) ? value : [value];
        return [key, values.map((v) => (typeof v === 'string' ? readText(v, elementKind) : v))];
      }
      return [key, typeof value === 'string' ? readText(value, kind) : value];
    }),
  );
}

function objectShape(schema: Schema): Record<string, Schema> {
  const def = schema._zod.def;
  if (def.type === 'object') return def.shape as Record<string, Schema>;
  if ('innerType' in def) return objectShape(def.innerType as Schema);
  if (def.type === 'pipe') return objectShape(def.in as Schema);
  return {};
}
