/** Counters behind `getStats`: queries, errors and their timing. Cheap enough for every statement. */
export class QueryStats {
  queryCount = 0;
  errorCount = 0;
  private totalTime = 0;
  maxQueryTime = 0;

  record(durationMs: number, failed: boolean): void {
    this.queryCount++;
    if (failed) this.errorCount++;
    this.totalTime += durationMs;
    if (durationMs > this.maxQueryTime) this.maxQueryTime = durationMs;
  }

  get avgQueryTime(): number {
    return this.queryCount === 0 ? 0 : this.totalTime / this.queryCount;
  }
}
