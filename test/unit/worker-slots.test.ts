/**
 * The maxWorkers slots (host/worker-slots.ts) with stand-in supervisors: a
 * worker made for a waiting start belongs to that start until its request is
 * in flight; another waiting start never retires it for itself.
 */
import { CONCURRENT_STARTS, WorkerSlots, type SlotWorker } from '../../host/worker-slots';

class StandIn implements SlotWorker {
  inFlight = 0;
  openTransactions = 0;
  lastUsed = Date.now();
  stopped = false;
  /** Defined once its process answers: at once unless `startedAfterMs`. */
  pid: number | undefined;
  constructor(
    readonly key: string,
    startedAfterMs = 0,
  ) {
    if (startedAfterMs === 0) this.pid = 1;
    else setTimeout(() => (this.pid = 1), startedAfterMs);
  }
  stop(): Promise<void> {
    this.stopped = true;
    // A worker process takes a while to exit.
    return new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What executePlugin does with a slot: get the worker, then one request on it of `ms`. */
async function requestOn(slots: WorkerSlots<StandIn>, key: string, ms: number): Promise<StandIn> {
  const worker = await slots.acquire(key, () => new StandIn(key), 5000, () => false);
  expect(worker.stopped).toBe(false);
  worker.inFlight++;
  await new Promise((resolve) => setTimeout(resolve, ms));
  worker.inFlight--;
  worker.lastUsed = Date.now();
  slots.changed();
  return worker;
}

test('many starts waiting for few slots: each gets a worker of its own that serves its request, never one retired under it', async () => {
  const slots = new WorkerSlots<StandIn>(2, () => undefined);
  const keys = Array.from({ length: 12 }, (_, i) => `tenant-${i}`);
  const workers = await Promise.all(keys.map((key, i) => requestOn(slots, key, 5 + (i % 3))));
  // Every request ran on a worker that was still running when it was sent.
  expect(workers.map((w) => w.key)).toEqual(keys);
  expect(slots.processes).toBeLessThanOrEqual(2);
  await slots.stopAll();
});

test('a worker made for a waiting start is not idle to another start waiting beside it: that one waits for its request to end', async () => {
  const slots = new WorkerSlots<StandIn>(1, () => undefined);
  await requestOn(slots, 'a', 1);
  // Both wait for a's slot; when a has stopped, b gets a worker and c looks again in the same turn.
  const b = slots.acquire('b', () => new StandIn('b'), 5000, () => false);
  const c = slots.acquire('c', () => new StandIn('c'), 5000, () => false);
  const worker = await b;
  expect(worker.stopped).toBe(false);
  worker.inFlight++;
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(worker.stopped).toBe(false);
  worker.inFlight--;
  slots.changed();
  expect((await c).key).toBe('c');
  expect(worker.stopped).toBe(true);
  await slots.stopAll();
});

test('waiting starts get slots in the order they came, and no more than CONCURRENT_STARTS workers start at once', async () => {
  const slots = new WorkerSlots<StandIn>(16, () => undefined);
  const made: StandIn[] = [];
  let mostStarting = 0;
  const order: string[] = [];
  await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const worker = await slots.acquire(`t-${i}`, () => {
        const w = new StandIn(`t-${i}`, 60);
        made.push(w);
        mostStarting = Math.max(mostStarting, made.filter((m) => m.pid === undefined).length);
        return w;
      }, 5000, () => false);
      order.push(worker.key);
    }),
  );
  expect(mostStarting).toBe(CONCURRENT_STARTS);
  expect(order).toEqual(Array.from({ length: 12 }, (_, i) => `t-${i}`));
  await slots.stopAll();
});
