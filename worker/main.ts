#!/usr/bin/env node
/**
 * The worker executable (`postgres-plugin-worker`): JSON-RPC 2.0 on stdin/stdout,
 * pino logs on stderr. Options: `--framing content-length|ndjson`,
 * `--max-message-bytes N`. Env: `POSTGRES_PLUGIN_LOG_LEVEL`.
 */
import { isFraming, type Framing } from '../shared/transport/framing';
import { maybeDieAtStart } from './runtime/fault-hooks';
import { createLogger, type LogLevel } from './runtime/logger';
import { RpcServer } from './rpc/rpc-server';

// stdout carries protocol frames only: anything a library prints goes to stderr instead.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

maybeDieAtStart();
const args = parseArgs(process.argv.slice(2));
const logger = createLogger((process.env.POSTGRES_PLUGIN_LOG_LEVEL as LogLevel | undefined) ?? 'info');
const version: string = (require('../../package.json') as { version: string }).version;

const server = new RpcServer({
  input: process.stdin,
  output: process.stdout,
  framing: args.framing,
  ...(args.maxMessageBytes !== undefined ? { maxMessageBytes: args.maxMessageBytes } : {}),
  logger,
  version,
  onExit: (code) => process.exit(code),
});

process.on('uncaughtException', (error) => {
  logger.fatal({ err: { message: error.message, stack: error.stack } }, 'uncaught exception; exiting');
  void server.stop(1);
});
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection');
});
process.stdout.on('error', () => void server.stop(1));
process.on('SIGTERM', () => void server.stop(0));
process.on('SIGINT', () => void server.stop(0));

server.listen();
logger.debug({ framing: args.framing }, 'worker started');

function parseArgs(argv: string[]): { framing: Framing; maxMessageBytes?: number } {
  const out: { framing: Framing; maxMessageBytes?: number } = { framing: 'content-length' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (flag === '--framing' && value !== undefined && isFraming(value)) out.framing = value;
    else if (flag === '--max-message-bytes' && value !== undefined && /^\d+$/.test(value)) out.maxMessageBytes = Number(value);
    else {
      process.stderr.write(`postgres-plugin-worker: unknown or invalid argument '${arg}'\n`);
      process.exit(2);
    }
  }
  return out;
}
