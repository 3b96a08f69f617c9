#!/usr/bin/env node
/**
 * The generic plugin worker: serves a documentation-style plugin (a package
 * whose entry exports `initialize(context)`) over the same protocol as the
 * PostgreSQL worker, so it runs out of process, supervised, without knowing it.
 * `node plugin-worker/main.js --entry <file> --name <package name> [--version v]
 * [--services a,b] [--framing content-length|ndjson] [--max-message-bytes N]`.
 * stdout carries frames only; the plugin's console and logger go to stderr as
 * pino lines, which the host logs. Env: `POSTGRES_PLUGIN_LOG_LEVEL`.
 */
import pino from 'pino';
import { LOG_REDACT_PATHS, REDACTED } from '../shared/redaction';
import { isFraming, type Framing } from '../shared/transport/framing';
import { stdioTransport, stopOnProcessEvents } from '../shared/transport/executable-process';
import { ModuleServer } from './module-server';

interface Args {
  entry: string;
  name: string;
  version: string;
  services: string[];
  framing: Framing;
  maxMessageBytes?: number;
}

const args = parseArgs(process.argv.slice(2));
const logger = pino(
  {
    level: process.env.POSTGRES_PLUGIN_LOG_LEVEL ?? 'info',
    base: { pid: process.pid, name: args.name },
    redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED },
  },
  pino.destination({ dest: 2, sync: true }),
);
// stdout carries protocol frames only: what the plugin prints becomes log lines on stderr.
const consoleLogger = logger.child({ source: 'console' });
console.log = (...a: unknown[]) => consoleLogger.info(a.map(String).join(' '));
console.info = console.log;
console.debug = (...a: unknown[]) => consoleLogger.debug(a.map(String).join(' '));
console.warn = (...a: unknown[]) => consoleLogger.warn(a.map(String).join(' '));
console.error = (...a: unknown[]) => consoleLogger.error(a.map(String).join(' '));

const server = new ModuleServer({
  ...stdioTransport(args),
  logger,
  name: args.name,
  version: args.version,
  entry: args.entry,
  services: args.services,
});

stopOnProcessEvents(server, logger, ' in the plugin');
server.listen();

function parseArgs(argv: string[]): Args {
  const out: Partial<Args> & { services: string[]; framing: Framing; version: string } = { services: [], framing: 'content-length', version: '0.0.0' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) fail(arg);
    else if (flag === '--entry') out.entry = value;
    else if (flag === '--name') out.name = value;
    else if (flag === '--version') out.version = value;
    else if (flag === '--services') out.services = value.split(',').filter(Boolean);
    else if (flag === '--framing' && isFraming(value)) out.framing = value;
    else if (flag === '--max-message-bytes' && /^\d+$/.test(value)) out.maxMessageBytes = Number(value);
    else fail(arg);
  }
  if (out.entry === undefined || out.name === undefined) fail('--entry and --name are required');
  return out as Args;
}

function fail(what: string): never {
  process.stderr.write(`plugin worker: unknown or invalid argument '${what}'\n`);
  process.exit(2);
}
