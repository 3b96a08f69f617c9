import type pino from 'pino';
import type { Framing } from '../shared/transport/framing';
import type { PluginDefinition } from './plugin-definition';
import { nodeLaunch, type SandboxOptions } from './sandbox';
import type { WorkerProcessOptions } from './worker-process';
import { XID_JOURNAL_ENV, XID_JOURNAL_FD } from '../shared/xid-journal';
import type { XidJournalFile } from './xid-journal-file';

/** What a worker is started with, beyond its definition. */
export interface LaunchSettings {
  definition: PluginDefinition;
  framing: Framing;
  logger: pino.Logger;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  /** V8 heap cap of the worker (node workers only). */
  maxMemoryMb?: number;
  /** Run the worker under Node's permission model with a minimal environment (node workers only). */
  sandbox?: SandboxOptions;
  /** Largest message the worker accepts (bytes). */
  maxMessageBytes?: number;
  hostName?: string;
}

/**
 * The process options of one worker: node flags (heap cap, sandbox), the worker's own flags, its
 * environment, and the transaction-id journal it inherits as fd 3 (named in its environment, which
 * other workers ignore).
 */
export function launchOptions(settings: LaunchSettings, journal?: XidJournalFile): WorkerProcessOptions {
  const launch = nodeLaunch(settings.definition, settings.maxMemoryMb, settings.sandbox);
  const nodeFlags = launch.nodeFlags;
  let env = launch.env;
  if (journal) env = { ...(env ?? process.env), [XID_JOURNAL_ENV]: `${XID_JOURNAL_FD}:${journal.slots}` };
  const workerArgs = ['--framing', settings.framing];
  if (settings.maxMessageBytes !== undefined) workerArgs.push('--max-message-bytes', String(settings.maxMessageBytes));
  return {
    command: settings.definition.command,
    args: [...nodeFlags, ...settings.definition.args, ...workerArgs],
    framing: settings.framing,
    ...(env ? { env } : {}),
    logger: settings.logger,
    startTimeoutMs: settings.startTimeoutMs,
    stopTimeoutMs: settings.stopTimeoutMs,
    ...(settings.hostName ? { hostName: settings.hostName } : {}),
    ...(settings.maxMessageBytes !== undefined ? { maxMessageBytes: settings.maxMessageBytes } : {}),
    ...(journal ? { inheritFd: journal.fd } : {}),
  };
}
