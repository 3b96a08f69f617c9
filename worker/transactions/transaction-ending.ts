import type { TransactionOutcome } from '../../shared/errors';
import type { TransactionStatus } from '../connection/pg-internals';

/** Command tags by which a statement ends the transaction it runs in, and what became of it. */
const ENDING_TAGS: Record<string, TransactionOutcome> = {
  COMMIT: 'committed',
  ROLLBACK: 'rolled-back',
  'PREPARE TRANSACTION': 'prepared',
};

/**
 * The second line of defence behind the grammar's refusal of transaction
 * control: whether a statement that ran inside a transaction ended it, from
 * the server's own words (its command tag, and ReadyForQuery's status, which
 * is idle after an ending and in a new transaction after `… AND CHAIN`).
 * Undefined when the transaction is still the one that was begun.
 */
export function endingOf(command: string | null | undefined, status: TransactionStatus): TransactionOutcome | undefined {
  const tagged = command ? ENDING_TAGS[command] : undefined;
  if (status === 'I') return tagged ?? 'unknown';
  // Still (or again) in a transaction: `COMMIT AND CHAIN` and `PREPARE TRANSACTION` say so by their tag. A
  // `ROLLBACK` tag is `ROLLBACK TO SAVEPOINT` here, which ends nothing (`ROLLBACK AND CHAIN` is refused up front).
  return tagged === 'committed' || tagged === 'prepared' ? tagged : undefined;
}
