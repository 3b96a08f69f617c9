import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const HOST = path.join(__dirname, '..', 'fixtures', 'hanging-host.js');

/** What `test/fixtures/hanging-host.js` is told to do before it hangs (see its header). */
export interface HangingHostPlan {
  config: Record<string, unknown>;
  instanceId: string;
  setup?: string[];
  inHandle?: string[];
  background?: string;
}

/**
 * Starts a host process (the built PluginManager) that runs `plan` and then
 * waits forever, for a test to kill; resolves once it has reported its
 * worker's pid (and the open handle's transaction id, for `inHandle`).
 */
export async function startHangingHost(plan: HangingHostPlan): Promise<{ host: ChildProcess; workerPid: number; transactionId?: string }> {
  const host = spawn(process.execPath, [HOST, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: host.stdout! }).once('line', resolve));
  const { workerPid, transactionId } = JSON.parse(line) as { workerPid: number; transactionId?: string };
  return { host, workerPid, transactionId };
}
