import type pg from 'pg';
import { onReadyForQuery, type TransactionStatus } from '../connection/pg-internals';

export type { TransactionStatus } from '../connection/pg-internals';

/**
 * Follows a client's ReadyForQuery status, the server's own word on whether a
 * transaction is open or aborted: no guessing from our side about what a
 * statement did to it.
 */
export class TransactionStatusWatch {
  status: TransactionStatus = 'I';
  private readonly unsubscribe: () => void;

  constructor(client: pg.PoolClient) {
    this.unsubscribe = onReadyForQuery(client, (status) => {
      if (status === 'I' || status === 'T' || status === 'E') this.status = status;
    });
  }

  dispose(): void {
    this.unsubscribe();
  }
}
