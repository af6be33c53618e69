import { STACK_STRATEGIES } from '@strictops/db';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { sha256Hex } from '../shared/hashing.ts';
import { AWS_REGION } from '../stacks/cloudformation.ts';

/**
 * strictops.yml, version 1 (documented in docs/strictops-yml.md): a project's services, the
 * resources they use and per-environment overrides. Parsing is defensive: size, nesting, aliases
 * and encoding are bounded before anything is interpreted, and every problem is reported with its
 * path in the document, line and column.
 */
export const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_DEPTH = 12;
const MAX_ALIASES = 20;

const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'Use lower-case letters, digits and hyphens, starting with a letter');
// Values belong in the file; secrets belong in a secrets manager, never in the repository.
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)/i;
const EnvVars = z
  .record(
    z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'Upper-case letters, digits and underscores'),
    z.union([z.string(), z.number(), z.boolean()]),
  )
  .superRefine((vars, ctx) => {
    for (const key of Object.keys(vars)) {
      if (SECRET_NAME.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} looks like a secret: keep secrets out of strictops.yml`,
        });
      }
    }
  });

const ServiceSchema = z.strictObject({
  type: z.enum(['container', 'function', 'static']),
  build: z.string().min(1).max(255).optional().describe('Path of the build context, relative to the repository'),
  port: z.number().int().min(1).max(65535).optional(),
  env: EnvVars.optional(),
  resources: z.array(Name).max(50).optional(),
});

const ResourceSchema = z.strictObject({
  kind: z.enum(['database', 'storage', 'queue', 'cache']),
  engine: z.string().min(1).max(32).optional(),
  size: z.enum(['small', 'medium', 'large']).optional(),
});

const EnvironmentSchema = z.strictObject({
  protected: z.boolean().optional(),
  services: z
    .record(Name, z.strictObject({ env: EnvVars.optional(), port: z.number().int().min(1).max(65535).optional() }))
    .optional(),
});

// How the project's environments become CloudFormation stacks (docs/stack-strategies.md).
const StacksSchema = z.strictObject({
  strategy: z.enum(STACK_STRATEGIES).optional(),
  region: z.string().regex(AWS_REGION, 'An AWS region such as eu-west-1').optional(),
});

export const ConfigSchema = z.strictObject({
  version: z.literal(1),
  project: z.strictObject({ name: z.string().min(1).max(100).optional() }).optional(),
  services: z.record(Name, ServiceSchema).default({}),
  resources: z.record(Name, ResourceSchema).default({}),
  environments: z.record(Name, EnvironmentSchema).default({}),
  stacks: StacksSchema.optional(),
});

export type StrictopsConfig = z.infer<typeof ConfigSchema>;

export type ConfigProblem = { path: string; message: string; line: number | null; column: number | null };

export type ConfigResult =
  | { ok: true; config: StrictopsConfig; sha256: string }
  | { ok: false; problems: ConfigProblem[] };

type Position = { line: number; col: number } | null;

const problem = (message: string, path = '', position: Position = null): ConfigProblem => ({
  path,
  message,
  line: position?.line ?? null,
  column: position?.col ?? null,
});

function depthOf(node: unknown, depth = 0): number {
  if (depth > MAX_DEPTH) return depth;
  if (isMap(node) || isSeq(node)) {
    let deepest = depth + 1;
    for (const item of node.items as unknown[]) {
      const value =
        isScalar(item) || !item || typeof item !== 'object' || !('value' in item)
          ? item
          : (item as { value: unknown }).value;
      deepest = Math.max(deepest, depthOf(value, depth + 1));
      if (deepest > MAX_DEPTH) break;
    }
    return deepest;
  }
  return depth;
}

type Path = (string | number)[];
/** Where a path of the document starts, for pointing a problem at its line and column. */
type Positions = { of(path: Path): Position; ofKey(parent: Path, key: string): Position };

/** The checks before anything is interpreted: size, encoding, YAML syntax, nesting and aliases. */
function readDocument(
  text: string,
): { ok: false; problems: ConfigProblem[] } | { ok: true; data: unknown; positions: Positions } {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return { ok: false, problems: [problem(`strictops.yml may be at most ${MAX_CONFIG_BYTES / 1024} KiB`)] };
  }
  // Bytes that were not UTF-8 arrive as U+FFFD or lone surrogates.
  if (!text.isWellFormed() || text.includes('\uFFFD')) {
    return { ok: false, problems: [problem('strictops.yml must be UTF-8 text')] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number | undefined) => (offset === undefined ? null : lines.linePos(offset));
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => problem(e.message.split('\n')[0] ?? e.message, '', at(e.pos[0]))),
    };
  }
  if (depthOf(doc.contents) > MAX_DEPTH) {
    return { ok: false, problems: [problem(`strictops.yml may nest at most ${MAX_DEPTH} levels`)] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { ok: false, problems: [problem((error as Error).message)] };
  }
  return { ok: true, data, positions: positionsIn(doc, at) };
}

function positionsIn(doc: Document, at: (offset: number | undefined) => Position): Positions {
  const of = (path: Path) => {
    for (let end = path.length; end >= 0; end--) {
      const node = doc.getIn(path.slice(0, end), true) as Node | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return null;
  };
  // An unknown key is pointed at by the key itself, not by its value.
  const ofKey = (parent: Path, key: string) => {
    const map = doc.getIn(parent, true);
    const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === key) : undefined;
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    return range ? at(range[0]) : of([...parent, key]);
  };
  return { of, ofKey };
}

/** What the schema refused, one problem per unknown key. */
function shapeProblems(error: z.ZodError, positions: Positions): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const full = key === undefined ? path : [...path, key];
      return problem(
        key === undefined ? issue.message : `Unknown key "${key}"`,
        full.join('.'),
        key === undefined ? positions.of(full) : positions.ofKey(path, key),
      );
    });
  });
}

const asMap = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const problemAt = (message: string, path: Path, positions: Positions) =>
  problem(message, path.join('.'), positions.of(path));

/**
 * What refers to something undeclared, or cannot be: read from the raw data, so that it is checked
 * even when the shapes are wrong and one pass reports every problem.
 */
function referenceProblems(data: unknown, positions: Positions): ConfigProblem[] {
  const raw = asMap(data);
  const services = asMap(raw.services);
  const resources = asMap(raw.resources);
  const problems: ConfigProblem[] = [];
  for (const [serviceName, service] of Object.entries(services)) {
    const uses = asMap(service).resources;
    (Array.isArray(uses) ? uses : []).forEach((resource, i) => {
      if (typeof resource === 'string' && !(resource in resources)) {
        problems.push(
          problemAt(
            `Service "${serviceName}" uses "${resource}", which resources does not declare`,
            ['services', serviceName, 'resources', i],
            positions,
          ),
        );
      }
    });
    const { type, port } = asMap(service);
    if (type !== undefined && type !== 'container' && port !== undefined) {
      problems.push(
        problemAt('Only container services listen on a port', ['services', serviceName, 'port'], positions),
      );
    }
  }
  for (const [environmentName, environment] of Object.entries(asMap(raw.environments))) {
    for (const serviceName of Object.keys(asMap(asMap(environment).services))) {
      if (!(serviceName in services)) {
        problems.push(
          problemAt(
            `Environment "${environmentName}" overrides "${serviceName}", which services does not declare`,
            ['environments', environmentName, 'services', serviceName],
            positions,
          ),
        );
      }
    }
  }
  return problems;
}

/** Parses and checks a strictops.yml: the normalized configuration, or every problem found. */
export function parseConfig(text: string): ConfigResult {
  const read = readDocument(text);
  if (!read.ok) return read;
  const parsed = ConfigSchema.safeParse(read.data);
  const problems = [
    ...(parsed.success ? [] : shapeProblems(parsed.error, read.positions)),
    ...referenceProblems(read.data, read.positions),
  ];
  if (problems.length || !parsed.success) return { ok: false, problems };
  return { ok: true, config: parsed.data, sha256: sha256Hex(text) };
}
