import type { TRPCProcedureOptions } from '@trpc/client';

/** A list procedure of the client: a query answering a page of items and the cursor of the next. */
type PagedQuery<TInput, TItem, TCursor> = {
  query: (input: TInput, options?: TRPCProcedureOptions) => PromiseLike<{ items: TItem[]; nextCursor: TCursor | null }>;
};

/** A list's input without its cursor: the filters and page size that stay the same from page to page. */
// biome-ignore lint/suspicious/noConfusingVoidType: tRPC types an input that may be left out as `void | …`.
type Filters<TInput> = Omit<Exclude<TInput, void | undefined>, 'cursor'>;

/**
 * Every item of a cursor-paginated list, fetched a page at a time as the loop asks for them:
 *
 * ```ts
 * for await (const project of paginate(client.projects.list, { limit: 100 })) console.log(project.name);
 * ```
 *
 * Stop early with `break`; no further page is fetched. `options` (an AbortSignal, a per-call
 * timeout) applies to every page.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: tRPC types an input that may be left out as `void | …`.
export async function* paginate<TInput extends { cursor?: TCursor } | void | undefined, TItem, TCursor extends string>(
  list: PagedQuery<TInput, TItem, TCursor>,
  filters?: Filters<TInput>,
  options?: TRPCProcedureOptions,
): AsyncGenerator<TItem, void, undefined> {
  let cursor: TCursor | undefined;
  do {
    const page = await list.query({ ...filters, ...(cursor ? { cursor } : {}) } as TInput, options);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
