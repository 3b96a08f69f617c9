import { connectionClosedParamsSchema, connectionOpenedParamsSchema, type ConnectionOpenedParams } from '../shared/protocol';
import { sendCancelRequest } from './backend-cancel';

/** How many CancelRequests are on their way at once after a worker died. */
const PARALLEL_CANCELS = 16;

/** What the cancels after a worker's death came to (for the crash report). */
export interface CancelSummary {
  sessions: number;
  sent: number;
  failed: number;
  /** The first few distinct failure messages. */
  errors: string[];
}

/**
 * The server sessions one worker process has open, as it reported them
 * (`connection/opened`, `connection/closed`): when it dies, the host sends
 * each a CancelRequest, so nothing the dead worker started keeps running on
 * the server. A session that is idle ignores a cancel, so every one gets it;
 * those of instances with requests in flight go first.
 */
export class WorkerSessions {
  private readonly sessions = new Map<string, ConnectionOpenedParams>();

  get size(): number {
    return this.sessions.size;
  }

  /** `connection/opened` (params as received: checked here). */
  opened(params: unknown): void {
    const parsed = connectionOpenedParamsSchema.safeParse(params);
    if (parsed.success) this.sessions.set(keyOf(parsed.data.instanceId, parsed.data.backendPid), parsed.data);
  }

  /** `connection/closed`. */
  closed(params: unknown): void {
    const parsed = connectionClosedParamsSchema.safeParse(params);
    if (parsed.success) this.sessions.delete(keyOf(parsed.data.instanceId, parsed.data.backendPid));
  }

  /** Cancels every session (those of `busyInstances` first), each bounded by `timeoutMs`. */
  async cancelAll(busyInstances: ReadonlySet<string>, timeoutMs: number): Promise<CancelSummary> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    const queue = [...all.filter((s) => busyInstances.has(s.instanceId)), ...all.filter((s) => !busyInstances.has(s.instanceId))];
    const summary: CancelSummary = { sessions: queue.length, sent: 0, failed: 0, errors: [] };
    const lane = async (): Promise<void> => {
      for (let session = queue.shift(); session !== undefined; session = queue.shift()) {
        const result = await sendCancelRequest(session, timeoutMs);
        if (result.sent) summary.sent++;
        else {
          summary.failed++;
          if (summary.errors.length < 3 && !summary.errors.includes(result.error)) summary.errors.push(result.error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_CANCELS, queue.length) }, lane));
    return summary;
  }
}

function keyOf(instanceId: string, backendPid: number): string {
  return `${instanceId}\u0000${backendPid}`;
}
