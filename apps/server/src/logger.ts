import pino from 'pino';

/**
 * The server's structured (JSON) log, written asynchronously: a line is handed to a buffer and the
 * request goes on, rather than waiting on stdout (a slow pipe or a full disk would otherwise slow
 * every request). `flush()` before the process exits, so the last lines are not lost.
 */
export function createLogger(level: string) {
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino({ level }, destination);
  const flush = () => {
    try {
      destination.flushSync();
    } catch {
      // Not open yet: nothing has been buffered.
    }
  };
  return { logger, flush };
}
