/** Per-call options of `executePlugin`. */
export interface ExecuteOptions {
  /** Abort → the statement is cancelled on the server and the call answers POSTGRES_QUERY_CANCELLED. */
  signal?: AbortSignal;
  /** Progress of long operations (e.g. batchInsert): called with rows done and the total. */
  onProgress?: (done: number, total: number) => void;
}
