import { z } from 'zod';
import { sqlTextSchema } from './sql-text';
import { bindParamsSchema } from './bind-params';
import { timeoutMsSchema } from './timeout-limits';

/**
 * Params of the transaction operations (docs/plugin-api.md). Declarations only.
 * Isolation levels are accepted as `READ_COMMITTED` or `READ COMMITTED`.
 */

export const ISOLATION_LEVELS = {
  READ_UNCOMMITTED: 'READ UNCOMMITTED',
  READ_COMMITTED: 'READ COMMITTED',
  REPEATABLE_READ: 'REPEATABLE READ',
  SERIALIZABLE: 'SERIALIZABLE',
} as const;
export type IsolationLevel = keyof typeof ISOLATION_LEVELS;

const isolationLevel = z
  .string()
  .transform((value, ctx) => {
    const key = value.trim().toUpperCase().replace(/\s+/g, '_');
    if (key in ISOLATION_LEVELS) return key as IsolationLevel;
    ctx.addIssue({ code: 'custom', message: `must be one of ${Object.keys(ISOLATION_LEVELS).join(', ')} (underscores or spaces)` });
    return z.NEVER;
  });

const timeout = timeoutMsSchema;

export const transactionModeFields = {
  isolationLevel: isolationLevel.optional(),
  readOnly: z.boolean().optional(),
  deferrable: z.boolean().optional(),
};

export const beginTransactionParamsSchema = z
  .object({ ...transactionModeFields, idleTimeout: timeout.optional(), timeout: timeout.optional() })
  .strict();
export type BeginTransactionParams = z.output<typeof beginTransactionParamsSchema>;

export const transactionIdParamsSchema = z
  .object({ transactionId: z.string().min(1).max(200), timeout: timeout.optional() })
  .strict();

export const transactionParamsSchema = z
  .object({
    operations: z
      .array(
        z
          .object({ sql: sqlTextSchema('statement'), params: bindParamsSchema.optional() })
          .strict(),
      )
      .min(1, 'must list at least one statement')
      .max(10_000),
    ...transactionModeFields,
    timeout: timeout.optional(),
  })
  .strict();
export type TransactionParams = z.output<typeof transactionParamsSchema>;

/** The options a transaction starts with. */
export type TransactionMode = Pick<BeginTransactionParams, 'isolationLevel' | 'readOnly' | 'deferrable'>;
