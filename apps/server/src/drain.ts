import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The server's connections, so that a shutdown can wait for them rather than cut them: Node's
 * `server.close()` ends every connection with no request being handled, including one whose next
 * request is already in its socket, unread (a busy server reads late). Draining first answers
 * what arrives (each answer ends its connection) and ends connections that have been quiet.
 */
export function connectionTracker(server: Server) {
  const connections = new Map<Socket, { lastData: number; requests: number }>();
  server.on('connection', (socket: Socket) => {
    const state = { lastData: Date.now(), requests: 0 };
    connections.set(socket, state);
    socket.on('data', () => {
      state.lastData = Date.now();
    });
    socket.on('close', () => connections.delete(socket));
  });
  return {
    /** A request is being handled on `socket` (from its arrival to its answer). */
    began(socket: Socket) {
      const state = connections.get(socket);
      if (state) state.requests++;
    },
    ended(socket: Socket) {
      const state = connections.get(socket);
      if (state) state.requests--;
    },
    /**
     * Resolves once no connection is left, ending each that has had no request in flight and no
     * bytes for `quietMs`; gives up after `maxMs` (close() then ends the rest).
     */
    async drain({ maxMs, quietMs }: { maxMs: number; quietMs: number }) {
      const deadline = Date.now() + maxMs;
      while (connections.size > 0 && Date.now() < deadline) {
        for (const [socket, state] of connections) {
          if (state.requests === 0 && Date.now() - state.lastData >= quietMs) socket.end();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
