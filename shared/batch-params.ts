import { z } from 'zod';
import { identifierSchema, tableRefSchema } from './schema-params';
import { timeoutMsSchema } from './timeout-limits';

/**
 * Params of `batchInsert` (docs/plugin-api.md). Records are checked one by one where
 * they are encoded (on a worker thread for large batches), so a 100k-record
 * batch doesn't validate on the event loop; errors still name
 * `records[i].column`.
 */
export const batchInsertParamsSchema = z
  .object({
    table: tableRefSchema,
    records: z.array(z.unknown()).max(2_000_000),
    conflictStrategy: z.enum(['error', 'ignore', 'update']).optional(),
    conflictTarget: z.array(identifierSchema).min(1).max(32).optional(),
    updateColumns: z.array(identifierSchema).min(1).max(1_600).optional(),
    transactionId: z.string().min(1).max(200).optional(),
    timeout: timeoutMsSchema.optional(),
  })
  .strict();
export type BatchInsertParams = z.output<typeof batchInsertParamsSchema>;

export interface BatchInsertResult {
  inserted: number;
  updated: number;
  skipped: number;
}
