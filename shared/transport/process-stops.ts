/**
 * How a worker executable's process ends (the postgres worker and the generic
 * plugin worker alike): an uncaught exception is logged and stops the server
 * with code 1, a rejection nobody handled is logged, a broken stdout (the host
 * is gone) stops it with 1, SIGTERM and SIGINT stop it cleanly.
 */

/** What the stops need of the server: its stop, which rolls back, closes and exits. */
export interface StoppableServer {
  stop(code: number): Promise<void>;
}

/** What the stops need of the logger (pino's shape). */
export interface StopLogger {
  fatal(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Wires the process's events to the server's stop; `where` names the code at fault in the log lines (e.g. `' in the plugin'`). */
export function stopOnProcessEvents(server: StoppableServer, logger: StopLogger, where = ''): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: { message: error.message, stack: error.stack } }, `uncaught exception${where}; exiting`);
    void server.stop(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, `unhandled rejection${where}`);
  });
  process.stdout.on('error', () => void server.stop(1));
  process.on('SIGTERM', () => void server.stop(0));
  process.on('SIGINT', () => void server.stop(0));
}
