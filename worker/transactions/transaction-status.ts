import type pg from 'pg';

/** PostgreSQL's ReadyForQuery status: idle, in a transaction, or in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E';

/**
 * Follows a client's ReadyForQuery status, the server's own word on whether a
 * transaction is open or aborted: no guessing from our side about what a
 * statement did to it.
 */
export class TransactionStatusWatch {
  status: TransactionStatus = 'I';
  private readonly connection: NodeJS.EventEmitter;
  private readonly listener = (msg: { status?: string }): void => {
    if (msg.status === 'I' || msg.status === 'T' || msg.status === 'E') this.status = msg.status;
  };

  constructor(client: pg.PoolClient) {
    this.connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    this.connection.on('readyForQuery', this.listener);
  }

  dispose(): void {
    this.connection.off('readyForQuery', this.listener);
  }
}
