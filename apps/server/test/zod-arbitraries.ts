import { fc } from '@fast-check/vitest';

/**
 * Inputs for a procedure, generated from its own zod input schema: mostly values of the types the
 * schema takes, within its bounds, mixed with the edges that found 500s before (huge numbers, far
 * dates, lone surrogates, NUL, deep nesting, empty and long text, wrong types).
 */

type Def = Record<string, unknown> & { type: string };
type Schema = { _zod: { def: Def; bag?: Record<string, unknown> } };

export type Transport = {
  /** The input travels in a URL (a query string): only what a query string can say the same way. */
  inUrl: boolean;
  /** Known ids (a project, a deployment, …) offered for uuid fields, so calls reach past "not found". */
  ids: readonly string[];
};

const DAY = 86_400_000;
/** JavaScript's first and last dates, year 0, and the bounds of the range inputs may name. */
export const FAR_DATES = [
  new Date(-8.64e15),
  new Date(8.64e15),
  new Date('0000-01-01T00:00:00.000Z'),
  new Date('0001-01-01T00:00:00.000Z'),
  new Date('9999-12-31T23:59:59.999Z'),
  new Date(Date.UTC(10000, 0, 1)),
];
const HUGE_NUMBERS = [1e308, 2 ** 63, 2 ** 53 + 1, -(2 ** 63), 1e19, -1, 0, 0.5, 1e-300];
const EDGE_TEXT = [
  '',
  ' ',
  'a\u0000b',
  '\ud800x',
  'x\udc00',
  '\u{1F680}',
  '9999999999999999999',
  '-1',
  'x'.repeat(300),
];
const deepNesting = (depth: number): unknown => (depth === 0 ? 'deep' : { a: deepNesting(depth - 1) });
/** Values of the wrong type for whatever slot they land in, all expressible in JSON. */
const WRONG_TYPES: unknown[] = [null, true, false, 0, 1e308, 'text', [], ['a'], {}, { a: 1 }, deepNesting(40)];

const def = (schema: Schema) => schema._zod.def;
const bag = (schema: Schema) => schema._zod.bag ?? {};

function withEdges(valid: fc.Arbitrary<unknown>, edges: unknown[], transport: Transport): fc.Arbitrary<unknown> {
  // In a URL a value is text whatever its type: wrong types there are text that is not of the type.
  const wrong = transport.inUrl ? ['not-of-this-type', 'true1', '1.2.3'] : WRONG_TYPES;
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 1, arbitrary: fc.constantFrom(...wrong) },
  );
}

function stringArbitrary(schema: Schema, transport: Transport): fc.Arbitrary<unknown> {
  const {
    minimum = 0,
    maximum,
    format,
    patterns,
  } = bag(schema) as {
    minimum?: number;
    maximum?: number;
    format?: string;
    patterns?: Set<RegExp>;
  };
  // Queries carry their input in the URL: keep it well under what a URL may hold.
  const cap = transport.inUrl ? 300 : 2000;
  const maxLength = Math.min(maximum ?? 64, cap);
  let valid: fc.Arbitrary<unknown>;
  if (format === 'uuid') valid = fc.oneof(fc.constantFrom(...transport.ids), fc.uuid());
  else if (format === 'email') valid = fc.emailAddress();
  else if (patterns?.size) {
    const [pattern] = [...patterns];
    valid = pattern ? fc.stringMatching(pattern) : fc.string({ minLength: minimum, maxLength });
  } else valid = fc.string({ minLength: Math.min(minimum, maxLength), maxLength, unit: 'grapheme' });
  const edges = EDGE_TEXT.filter((text) => text.length <= cap).concat(
    maximum ? ['y'.repeat(Math.min(maximum + 1, cap + 1))] : [],
  );
  return withEdges(valid, transport.inUrl ? edges.filter(urlSafe) : edges, transport);
}

/** What a query string can carry unchanged: no lone surrogate (a URL holds UTF-8), no empty value (it reads as none). */
const urlSafe = (value: unknown) =>
  typeof value !== 'string' ||
  (value !== '' &&
    value.trim() !== '' &&
    !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')));

function numberArbitrary(schema: Schema, transport: Transport): fc.Arbitrary<unknown> {
  const { minimum, maximum, format } = bag(schema) as { minimum?: number; maximum?: number; format?: string };
  const min = Math.max(minimum ?? -1000, -1e6);
  const max = Math.min(maximum ?? 1000, 1e9);
  const valid =
    format === 'safeint' || format === 'int32' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
  return withEdges(valid, HUGE_NUMBERS, transport);
}

function dateArbitrary(transport: Transport): fc.Arbitrary<unknown> {
  const now = Date.now();
  const valid = fc.date({ min: new Date(now - 400 * DAY), max: new Date(now + 400 * DAY), noInvalidDate: true });
  return withEdges(valid, [...FAR_DATES, 'yesterday', '2024-02-30'], transport);
}

export function arbitraryFor(schema: Schema, transport: Transport, depth = 0): fc.Arbitrary<unknown> {
  const d = def(schema);
  switch (d.type) {
    case 'object': {
      const shape = d.shape as Record<string, Schema>;
      const fields = Object.fromEntries(
        Object.entries(shape).map(([key, field]) => [key, arbitraryFor(field, transport, depth + 1)]),
      );
      const required = Object.entries(shape)
        .filter(([, field]) => !['optional', 'default', 'prefault'].includes(def(field).type))
        .map(([key]) => key);
      const record = fc.record(fields, { requiredKeys: required });
      // Now and then a field the schema does not know, or a required one missing.
      return fc.oneof(
        { weight: 8, arbitrary: record },
        { weight: 1, arbitrary: record.map((value) => ({ ...(value as object), unexpected: 'field' })) },
        { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
      );
    }
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return arbitraryFor(d.innerType as Schema, transport, depth);
    case 'nullable':
      return fc.oneof(fc.constant(null), arbitraryFor(d.innerType as Schema, transport, depth));
    case 'pipe':
      return arbitraryFor((def(d.out as Schema).type === 'transform' ? d.in : d.in) as Schema, transport, depth);
    case 'lazy':
      return arbitraryFor((d.getter as () => Schema)(), transport, depth);
    case 'string':
      return stringArbitrary(schema, transport);
    case 'number':
      return numberArbitrary(schema, transport);
    case 'bigint':
      return withEdges(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), [], transport);
    case 'boolean':
      return withEdges(fc.boolean(), transport.inUrl ? ['yes', '1'] : ['false', 'true', 0, 1], transport);
    case 'date':
      return dateArbitrary(transport);
    case 'enum':
      return withEdges(fc.constantFrom(...Object.values(d.entries as Record<string, string>)), ['', 'NOPE'], transport);
    case 'literal':
      return fc.constantFrom(...(d.values as unknown[]));
    case 'array': {
      const { maximum } = bag(schema) as { maximum?: number };
      const element = arbitraryFor(d.element as Schema, transport, depth + 1);
      return withEdges(
        fc.array(element, { maxLength: Math.min(maximum ?? 5, 5) }),
        [[], Array(300).fill('x')],
        transport,
      );
    }
    case 'record':
      return withEdges(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,12}$/), arbitraryFor(d.valueType as Schema, transport, depth + 1), {
          maxKeys: 4,
        }),
        [{}, { '': 1 }],
        transport,
      );
    case 'union':
      return fc.oneof(...(d.options as Schema[]).map((option) => arbitraryFor(option, transport, depth)));
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The edges tried in every field of a kind, one field at a time, on every run. */
const FIELD_EDGES = {
  string: ['', '\ud800x', 'a\u0000b', '9999999999999999999'],
  number: [1e308, 1e19, -1, 0.5],
  date: [new Date(-8.64e15), new Date(8.64e15), new Date('0000-01-01T00:00:00.000Z'), new Date(Date.UTC(10000, 0, 1))],
};

/** The edges worth trying in a field of this kind, one at a time: what a field of it must refuse or hold. */
export function edgesFor(schema: Schema, transport: Transport): unknown[] {
  const d = def(schema);
  if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(d.type)) {
    return edgesFor(d.innerType as Schema, transport);
  }
  if (d.type === 'pipe') return edgesFor(d.in as Schema, transport);
  const { maximum } = bag(schema) as { maximum?: number };
  const edges: unknown[] = (() => {
    switch (d.type) {
      case 'string':
        return [...FIELD_EDGES.string, ...(maximum ? ['y'.repeat(maximum + 1)] : [])];
      case 'number':
        return FIELD_EDGES.number;
      case 'date':
        return FIELD_EDGES.date;
      case 'boolean':
        return transport.inUrl ? ['yes'] : ['false', null];
      default:
        return transport.inUrl ? [] : [null, deepNesting(40)];
    }
  })();
  return transport.inUrl ? edges.filter(urlSafe).filter((e) => typeof e !== 'string' || e.length <= 300) : edges;
}

/** The top-level fields of an input schema, looked through wrappers. */
export function fieldsOf(schema: Schema): Record<string, Schema> {
  const d = def(schema);
  if (d.type === 'object') return d.shape as Record<string, Schema>;
  if ('innerType' in d) return fieldsOf(d.innerType as Schema);
  if (d.type === 'pipe') return fieldsOf(d.in as Schema);
  return {};
}
