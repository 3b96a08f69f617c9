import type { WorkerSupervisor } from './worker-supervisor';

/** The manager's workers by key (plugin, or plugin and tenant). */
export type Supervisors = Map<string, WorkerSupervisor>;

/** Whether a worker has nothing in flight and no open transaction: stopping it loses nothing. */
function idle(s: WorkerSupervisor): boolean {
  return s.inFlight === 0 && s.openTransactions === 0;
}

/** Forgets the worker under `key` and stops it gracefully; the next call for it starts a new one. */
export function retire(supervisors: Supervisors, key: string): Promise<void> {
  const supervisor = supervisors.get(key);
  supervisors.delete(key);
  return supervisor?.stop() ?? Promise.resolve();
}

/** Retires every worker idle for longer than `idleMs`. */
export function retireIdle(supervisors: Supervisors, idleMs: number, now = Date.now()): void {
  for (const [key, s] of supervisors) if (idle(s) && now - s.lastUsed > idleMs) void retire(supervisors, key);
}

/** Retires the least recently used idle worker, to make room for another; false when every worker is busy. */
export function retireLeastRecentlyUsed(supervisors: Supervisors): boolean {
  let oldest: [string, WorkerSupervisor] | undefined;
  for (const entry of supervisors) if (idle(entry[1]) && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
  if (!oldest) return false;
  void retire(supervisors, oldest[0]);
  return true;
}
