/**
 * Procedures named `export` answer a stream of chunks (`auditEvents.export`), which only a streaming
 * link can carry, and which goes on arriving after the call itself has settled.
 */
export const answersStream = (path: string) => path.endsWith('.export');
