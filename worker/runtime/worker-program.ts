/**
 * The worker program: JSON-RPC 2.0 on stdin/stdout, pino logs on stderr.
 * Options: `--framing content-length|ndjson`, `--max-message-bytes N`. Env:
 * `POSTGRES_PLUGIN_LOG_LEVEL`. `main.ts` (the executable) runs it, from the
 * build's bundle of this file when there is one (see program-loader.ts).
 */
import { isFraming, type Framing } from '../../shared/transport/framing';
import { stdioTransport, stopOnProcessEvents } from '../../shared/transport/executable-process';
import { maybeDieAtStart } from './fault-hooks';
import { createLogger, type LogLevel } from './logger';
import { RpcServer } from '../rpc/rpc-server';

/** What became of the code cache: `off` (turned off), `unavailable` (no private directory: a sandbox, a read-only disk), `absent` (first start: written shortly), `accepted`, `rejected` (another Node build wrote it: rewritten). */
export type CodeCacheState = 'off' | 'unavailable' | 'absent' | 'accepted' | 'rejected';

/** How the executable loaded this program, for the start's debug line. */
export interface ProgramLoad {
  /** `bundle` (the build's single file) or `modules` (the compiled files one by one). */
  from: 'bundle' | 'modules';
  /** What became of V8's code cache for the bundle (see program-loader.ts). */
  codeCache: CodeCacheState;
}

/** Runs the worker in this process until its input ends or it is told to stop. */
export function runWorker(load: ProgramLoad): void {
  // stdout carries protocol frames only: anything a library prints goes to stderr instead.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;

  maybeDieAtStart();
  const args = parseArgs(process.argv.slice(2));
  const logger = createLogger((process.env.POSTGRES_PLUGIN_LOG_LEVEL as LogLevel | undefined) ?? 'info');
  const version: string = (require('../../../package.json') as { version: string }).version;

  const server = new RpcServer({ ...stdioTransport(args), logger, version });

  stopOnProcessEvents(server, logger);

  server.listen();
  logger.debug({ framing: args.framing, load }, 'worker started');
}

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
