import type { TransactionXidParams } from '../shared/protocol';
import { summarizeStatement } from './statement-summary';
import type { XidJournalFile } from './xid-journal-file';

/** One `execute` the host has sent and not had answered. */
export interface InFlightCall {
  readonly instanceId: string;
  readonly operation: string;
  readonly params: Record<string, unknown> | undefined;
  /** The worker process it was sent to (set when it is sent). */
  worker: object | undefined;
  /** The `outcomeToken` it carried, if any. */
  token: number | undefined;
  /** The server transaction id the worker reported for it; null: the server can commit no writes; undefined: none yet. */
  xid: string | null | undefined;
  /** A crash of its worker answers its transaction's outcome (the manager's `commitOutcome`, or the call's own). */
  readonly answersOutcome: boolean;
  /** Its journal slot was reused before the worker died: whether it got an id can't be read. */
  journalOverrun?: boolean;
  /** The `progressToken` its `onProgress` listens under, if it has one. */
  progressToken?: string | undefined;
}

/** A request in flight as a crash report shows it: never its parameters. */
export interface InFlightSummary {
  operation: string;
  instanceId: string;
  /** The statement with every literal replaced by `?` (see summarizeStatement), or the table of a CRUD call. */
  statement?: string;
  /** For a `transaction` call: how many statements it has. */
  statements?: number;
  transactionId?: string;
}

/**
 * The calls a supervisor has in flight: what a crash report lists, which
 * instances were busy, and the transaction ids reported under their tokens
 * (`transaction/xid`).
 */
export class InFlightCalls {
  private readonly calls = new Set<InFlightCall>();
  private readonly byToken = new Map<number, InFlightCall>();
  /** The last token handed out. */
  lastToken = 0;

  add(instanceId: string, operation: string, params: Record<string, unknown> | undefined, wantsXid: boolean, answersOutcome = wantsXid): InFlightCall {
    const call: InFlightCall = { instanceId, operation, params, worker: undefined, token: undefined, xid: undefined, answersOutcome };
    if (wantsXid) {
      call.token = ++this.lastToken;
      this.byToken.set(call.token, call);
    }
    this.calls.add(call);
    return call;
  }

  delete(call: InFlightCall): void {
    this.calls.delete(call);
    if (call.token !== undefined) this.byToken.delete(call.token);
  }

  /** `transaction/xid` from the worker (params as received: checked here). */
  xidReported(params: unknown): void {
    const p = params as Partial<TransactionXidParams> | undefined;
    if (typeof p?.token !== 'number' || !(typeof p.xid === 'string' || p.xid === null)) return;
    const call = this.byToken.get(p.token);
    if (call) call.xid = p.xid;
  }

  /** The calls sent to `worker`, summarised for a crash report. */
  summaries(worker: object): InFlightSummary[] {
    const out: InFlightSummary[] = [];
    for (const call of this.calls) if (call.worker === worker) out.push(summarize(call));
    return out;
  }

  /** After `worker` died: the ids it journaled for its calls still waiting for one. */
  readJournal(worker: object, journal: XidJournalFile): void {
    for (const call of this.calls) {
      if (call.worker !== worker || call.token === undefined || call.xid !== undefined) continue;
      call.xid = journal.read(call.token);
      // A slot reused by a later call no longer tells: nothing there would read as "never reached COMMIT".
      if (call.xid === undefined && this.lastToken - call.token >= journal.slots) call.journalOverrun = true;
    }
  }

  /** The instances that had calls in flight on `worker`. */
  instancesOn(worker: object): Set<string> {
    const out = new Set<string>();
    for (const call of this.calls) if (call.worker === worker) out.add(call.instanceId);
    return out;
  }
}

function summarize(call: InFlightCall): InFlightSummary {
  const summary: InFlightSummary = { operation: call.operation, instanceId: call.instanceId };
  const p = call.params;
  if (typeof p?.sql === 'string') summary.statement = summarizeStatement(p.sql);
  else if (Array.isArray(p?.operations)) {
    const operations = p.operations as { sql?: unknown }[];
    summary.statements = operations.length;
    summary.statement = operations
      .slice(0, 3)
      .map((op) => (typeof op?.sql === 'string' ? summarizeStatement(op.sql) : '?'))
      .join('; ');
  } else if (typeof p?.table === 'string') summary.statement = `table ${summarizeStatement(p.table)}`;
  if (typeof p?.transactionId === 'string') summary.transactionId = p.transactionId;
  return summary;
}
