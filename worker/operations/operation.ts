import type { z } from 'zod';
import type { Cancellation } from '../statements/cancellation';
import type { Instance } from '../instance/instance';
import type { XidReport } from '../transactions/xid-report';

/** What an operation runs against. */
export interface OperationContext {
  instanceId: string;
  instance: Instance;
  cancellation: Cancellation | undefined;
  /** Reports progress (`$/progress`) when the request carried a `progressToken`; undefined otherwise. */
  progress?: ((done: number, total: number) => void) | undefined;
  /** Reports a transaction's server id (`transaction/xid`) when the request carried an `outcomeToken`. */
  xid?: XidReport | undefined;
}

/** One entry of the operation table: its params schema and its implementation. */
export interface Operation<S extends z.ZodType = z.ZodType> {
  schema: S;
  run(ctx: OperationContext, params: z.output<S>): Promise<unknown>;
}

/** Declares an operation with its params type inferred from the schema. */
export function defineOperation<S extends z.ZodType>(schema: S, run: Operation<S>['run']): Operation<S> {
  return { schema, run };
}
