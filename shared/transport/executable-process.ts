/**
 * A worker executable's process (the postgres worker and the generic plugin
 * worker alike): its server speaks on stdin/stdout and exits the process when
 * it stops; an uncaught exception is logged and stops the server with code 1,
 * a rejection nobody handled is logged, a broken stdout (the host is gone)
 * stops it with 1, SIGTERM and SIGINT stop it cleanly.
 */
import type { Readable, Writable } from 'node:stream';
import type { Framing } from './framing';

/** The executable's transport arguments (`--framing`, `--max-message-bytes`). */
export interface TransportArgs {
  framing: Framing;
  maxMessageBytes?: number;
}

/** What a worker server speaks on, and what it does when done. */
export interface ServerTransportOptions {
  input: Readable;
  output: Writable;
  framing: Framing;
  maxMessageBytes?: number;
  /** Called once the server is done; the process exits with `code`. */
  onExit: (code: number) => void;
}

/** The process's stdin and stdout with the executable's framing and limit; the process exits when the server is done. */
export function stdioTransport(args: TransportArgs): ServerTransportOptions {
  return {
    input: process.stdin,
    output: process.stdout,
    framing: args.framing,
    ...(args.maxMessageBytes !== undefined ? { maxMessageBytes: args.maxMessageBytes } : {}),
    onExit: (code) => process.exit(code),
  };
}

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
