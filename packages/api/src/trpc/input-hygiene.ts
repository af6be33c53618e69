import { AppError } from '../errors.ts';

/** No input of ours nests deeper than a few levels; this bounds the walk below. */
export const MAX_INPUT_DEPTH = 32;

// A UTF-16 surrogate that is not half of a pair: no UTF-8 (so no PostgreSQL text or jsonb) can hold it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a piece of text cannot be stored, or null when it can. */
function unstorableText(text: string, kind: 'Text' | 'Names'): string | null {
  if (text.includes('\u0000')) return `${kind} may not contain the NUL character (U+0000)`;
  if (LONE_SURROGATE.test(text)) return `${kind} must be well-formed Unicode (a lone surrogate was sent)`;
  return null;
}

/**
 * What in an input could not be stored, checked before any procedure sees it: a NUL character
 * (PostgreSQL text and JSON cannot hold U+0000), a lone UTF-16 surrogate (it has no UTF-8 form: jsonb
 * refuses it and text would silently get U+FFFD), or nesting deeper than any input of ours. Walked
 * with a queue rather than recursion, so no input can exhaust the stack.
 */
export function unstorableInput(input: unknown): { field: string; message: string } | null {
  const queue: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  for (let item = queue.pop(); item; item = queue.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string') {
      const problem = unstorableText(value, 'Text');
      if (problem) return { field: path, message: problem };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_INPUT_DEPTH) return { field: path, message: `Input may not nest deeper than ${MAX_INPUT_DEPTH}` };
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      const problem = unstorableText(key, 'Names');
      if (problem) return { field: at, message: problem };
      queue.push({ value: child, path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** Step 1 of every procedure: refuses input that could not be stored, naming the field. */
export function refuseUnstorableInput(input: unknown): void {
  const unstorable = unstorableInput(input);
  if (unstorable) throw new AppError('VALIDATION_FAILED', unstorable.message, { field: unstorable.field });
}
