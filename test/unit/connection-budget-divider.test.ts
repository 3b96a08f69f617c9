import { ConnectionBudgetDivider, type BudgetShareholder } from '../../host/connection-budget-divider';

/**
 * A fake worker: a raise is usable at once; a lower limit only once the test
 * confirms the worker got within it (until then it may still use the old one).
 */
class FakeWorker implements BudgetShareholder {
  usable = 0;
  private pending: (() => void)[] = [];
  setLimit(limit: number): Promise<void> {
    if (limit >= this.usable) {
      this.usable = limit;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) =>
      this.pending.push(() => {
        this.usable = limit;
        resolve();
      }),
    );
  }
  /** The worker's busy connections were released: it is within its lowest limit. */
  confirm(): void {
    for (const done of this.pending.splice(0)) done();
  }
}

const settle = () => new Promise((r) => setImmediate(r));

test('shares stay within the total while workers come and go; a share is handed on only once given back', async () => {
  const divider = new ConnectionBudgetDivider(100);
  const workers = Array.from({ length: 16 }, () => new FakeWorker());
  const usable = () => workers.reduce((n, w) => n + w.usable, 0);
  divider.add(workers[0]!);
  await settle();
  expect(workers[0]!.usable).toBe(100);
  divider.add(workers[1]!);
  await settle();
  // The newcomer gets nothing until the first worker confirms it is down to 50.
  expect([workers[0]!.usable, workers[1]!.usable]).toEqual([100, 0]);
  workers[0]!.confirm();
  await settle();
  expect([workers[0]!.usable, workers[1]!.usable]).toEqual([50, 50]);
  for (const w of workers.slice(2)) {
    divider.add(w);
    await settle();
    expect(usable()).toBeLessThanOrEqual(100);
    for (const other of workers) other.confirm();
    await settle();
    expect(usable()).toBeLessThanOrEqual(100);
  }
  expect(workers.map((w) => w.usable).sort((a, b) => a - b)).toEqual([...Array(12).fill(6), ...Array(4).fill(7)]);
  // One stops: its share goes to the others.
  divider.remove(workers[15]!);
  workers[15]!.usable = 0;
  await settle();
  expect(usable()).toBe(100);
  expect(divider.limitOf(workers[0]!)).toBeGreaterThanOrEqual(6);
});
