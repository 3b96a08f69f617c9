/**
 * Large frames through the built worker, raw bytes in: a batchInsert frame of
 * 256 KiB or more is decoded and COPY-encoded on a piscina thread, straight
 * from its bytes. It must store exactly what the event-loop path stores,
 * refuse what it refuses, and keep the order a client can observe.
 */
import { framed } from '../support/frames';
import { RawWorker } from '../support/raw-worker';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  ({ db } = await openSuite('large_frames'));
  for (const table of ['on_thread', 'on_loop', 'ordered', 'cancelled', 'refused', 'budget']) {
    await db.admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL, amount numeric(12,2), doc jsonb, tags int[], note text DEFAULT 'default')`);
  }
});
afterAll(() => closeSuite({ db }));

const RECORDS = 20_000;

/** Every kind of value the encoder treats apart; every 7th record leaves `note` out (a second key set). */
function records(): Record<string, unknown>[] {
  return Array.from({ length: RECORDS }, (_, i) => {
    const r: Record<string, unknown> = {
      id: i + 1,
      label: `l${i} "q" \\ back\ttab\nline\rret ✓ 日本`,
      amount: (i % 1000) / 100,
      doc: { i, list: [1, 'x', null], nested: { ok: i % 2 === 0 }, s: 'tab\there' },
      tags: i % 5 === 0 ? null : [i, i + 1],
    };
    if (i % 7 !== 0) r.note = i % 3 === 0 ? null : `n${i}`;
    return r;
  });
}

function batchFrame(id: number, table: string, recs: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'execute',
    params: { instanceId: 'large:frames', operation: 'batchInsert', config: db.config, params: { table, records: recs, ...(extra.params as object) }, ...(extra.envelope as object) },
  });
}

async function rowsOf(table: string) {
  return (await db.admin.query(`SELECT id, label, amount::text AS amount, doc, tags, note FROM ${table} ORDER BY id`)).rows;
}

describe('large frames', () => {
  let worker: RawWorker;
  beforeEach(async () => {
    worker = new RawWorker({ POSTGRES_PLUGIN_LOG_LEVEL: 'debug' });
    await worker.initialize();
  });
  afterEach(async () => {
    expect(worker.protocolViolation).toBeUndefined();
    await worker.close();
  });

  test('a batchInsert frame is decoded on a thread and stores exactly what the event-loop path stores', async () => {
    const recs = records();
    const json = batchFrame(1, 'on_thread', recs, { envelope: { progressToken: 'p1' } });
    expect(Buffer.byteLength(json)).toBeGreaterThan(256 * 1024);
    const done = worker.waitFor((m) => m.id === 1, 60_000);
    worker.sendRaw(framed(json));
    expect(await done).toMatchObject({ result: { inserted: RECORDS, updated: 0, skipped: 0 } });
    expect(worker.stderr).toContain('batchInsert frame decoded on a thread');

    // Progress: at least every 10,000 rows, ending at the total.
    const reports = worker.messages.filter((m) => m.method === '$/progress' && m.params.token === 'p1').map((m) => m.params.value);
    expect(reports.at(-1)).toEqual({ kind: 'report', done: RECORDS, total: RECORDS });
    let previous = 0;
    for (const r of reports) {
      expect(r.done - previous).toBeLessThanOrEqual(10_000);
      previous = r.done;
    }

    // The same records through a worker that parses and encodes on its event loop.
    const loop = new RawWorker({ POSTGRES_PLUGIN_PISCINA: '0', POSTGRES_PLUGIN_LOG_LEVEL: 'debug' });
    try {
      await loop.initialize();
      const other = loop.waitFor((m) => m.id === 2, 60_000);
      loop.sendRaw(framed(batchFrame(2, 'on_loop', recs)));
      expect(await other).toMatchObject({ result: { inserted: RECORDS } });
      expect(loop.stderr).not.toContain('decoded on a thread');
    } finally {
      await loop.close();
    }
    const stored = await rowsOf('on_thread');
    expect(stored).toEqual(await rowsOf('on_loop'));
    // And what was stored is what was sent.
    expect(stored[1]).toEqual({ id: 2, label: recs[1]!.label, amount: '0.01', doc: recs[1]!.doc, tags: [1, 2], note: 'n1' });
    expect(stored[0]).toMatchObject({ id: 1, tags: null, note: 'default' });
    expect(stored[3]).toMatchObject({ id: 4, note: null });
  }, 90_000);

  test('values it cannot store are refused with their path before anything is written', async () => {
    const recs: unknown[] = records();
    (recs[15_001] as Record<string, unknown>).label = 'NUL \u0000 inside';
    const nul = worker.waitFor((m) => m.id === 3, 60_000);
    worker.sendRaw(framed(batchFrame(3, 'refused', recs)));
    expect((await nul).error).toMatchObject({ data: { code: 'POSTGRES_INVALID_PARAMS', details: { issues: [{ path: 'params.records[15001].label' }] } } });

    const shape: unknown[] = records();
    shape[12_345] = 'not an object';
    const notObject = worker.waitFor((m) => m.id === 4, 60_000);
    worker.sendRaw(framed(batchFrame(4, 'refused', shape)));
    expect((await notObject).error.data.details.issues[0].path).toBe('params.records[12345]');

    const unknown = records();
    unknown[19_999]!.nope = 1;
    const column = worker.waitFor((m) => m.id === 5, 60_000);
    worker.sendRaw(framed(batchFrame(5, 'refused', unknown)));
    expect((await column).error.data.details.issues[0]).toMatchObject({ path: 'params.records[19999].nope', message: expect.stringContaining("'nope'") });

    expect(worker.stderr.split('batchInsert frame decoded on a thread').length - 1).toBe(3);
    expect((await db.admin.query('SELECT count(*)::int AS n FROM refused')).rows[0].n).toBe(0);
  }, 90_000);

  test('a large frame that is not a well-formed batchInsert is answered as a small one would be', async () => {
    const big = 'x'.repeat(300 * 1024);
    expect((await worker.request(6, 'execute', { instanceId: 'large:frames', operation: 'queryValue', config: db.config, params: { sql: 'SELECT length($1)', params: [big] } })).result).toBe(big.length);

    const strict = await worker.request(7, 'execute', { instanceId: 'large:frames', operation: 'batchInsert', config: db.config, params: { table: 'refused', records: records(), nope: true } });
    expect(strict.error).toMatchObject({ code: -32602, data: { code: 'POSTGRES_INVALID_PARAMS' } });
    expect(JSON.stringify(strict.error?.data.details.issues)).toContain('nope');

    const parseError = worker.waitFor((m) => m.error?.code === -32700);
    worker.sendRaw(framed(`{"jsonrpc":"2.0","id":8,"method":"execute","params":{"x":"${big}"`));
    expect((await parseError).id).toBeNull();
    expect((await worker.request(9, 'execute', { instanceId: 'large:frames', operation: 'ping', config: db.config })).result).toBe(true);
    expect(worker.stderr).toContain('large frame is not a batchInsert: parsed on the event loop');
  });

  test('a statement pipelined behind a large batch on its handle sees the rows; another session overtakes it', async () => {
    // Connect both instances first, so the ping below needs no connection set-up.
    await worker.request(10, 'execute', { instanceId: 'other:tenant', operation: 'ping', config: db.config });
    const begun = await worker.request(11, 'execute', { instanceId: 'large:frames', operation: 'beginTransaction', config: db.config, params: {} });
    const transactionId = begun.result.transactionId as string;
    const count = JSON.stringify({ jsonrpc: '2.0', id: 13, method: 'execute', params: { instanceId: 'large:frames', operation: 'queryValue', params: { sql: 'SELECT count(*)::int FROM ordered', transactionId } } });
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 14, method: 'execute', params: { instanceId: 'other:tenant', operation: 'ping' } });
    const answers = Promise.all([12, 13, 14].map((id) => worker.waitFor((m) => m.id === id, 60_000)));
    // One write: the batch, then a count on its handle, then another tenant's ping.
    worker.sendRaw(framed(batchFrame(12, 'ordered', records(), { params: { transactionId } })) + framed(count) + framed(ping));
    const [batch, counted, pinged] = await answers;
    expect(batch.result).toMatchObject({ inserted: RECORDS });
    expect(counted.result).toBe(RECORDS);
    expect(pinged.result).toBe(true);
    const order = worker.messages.map((m) => m.id);
    expect(order.indexOf(14)).toBeLessThan(order.indexOf(12));
    expect((await worker.request(15, 'execute', { instanceId: 'large:frames', operation: 'commit', params: { transactionId } })).result).toBeDefined();
    expect((await db.admin.query('SELECT count(*)::int AS n FROM ordered')).rows[0].n).toBe(RECORDS);
  }, 90_000);

  test('a $/cancelRequest right behind a large frame cancels it: nothing is written', async () => {
    const answer = worker.waitFor((m) => m.id === 16, 60_000);
    worker.sendRaw(framed(batchFrame(16, 'cancelled', records())) + framed(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 16 } })));
    expect((await answer).error.data.code).toBe('POSTGRES_QUERY_CANCELLED');
    expect((await db.admin.query('SELECT count(*)::int AS n FROM cancelled')).rows[0].n).toBe(0);
  }, 90_000);
});

test('a large batch frame before initialize gets -32002', async () => {
  const worker = new RawWorker();
  try {
    const answer = worker.waitFor((m) => m.id === 1, 60_000);
    worker.sendRaw(framed(batchFrame(1, 'refused', records())));
    expect((await answer).error.code).toBe(-32002);
  } finally {
    await worker.close();
  }
}, 90_000);

test('frames waiting for a thread are bounded (two of the largest size); past that they are parsed on the event loop', async () => {
  // With 400 KB frames at most, 800 KB may wait for the thread: of six ~300 KB frames sent in one
  // write, some go to the thread and the rest are parsed on the event loop; all are stored.
  const worker = new RawWorker({ POSTGRES_PLUGIN_LOG_LEVEL: 'debug' }, ['--max-message-bytes', String(400 * 1024)]);
  try {
    await worker.initialize();
    const per = 2_000;
    const frames = Array.from({ length: 6 }, (_, k) =>
      batchFrame(30 + k, 'budget', records().slice(k * per, (k + 1) * per)),
    );
    for (const f of frames) expect(Buffer.byteLength(f)).toBeGreaterThan(256 * 1024);
    const answers = Promise.all(frames.map((_, k) => worker.waitFor((m) => m.id === 30 + k, 60_000)));
    worker.sendRaw(frames.map(framed).join(''));
    for (const answer of await answers) expect(answer.result).toMatchObject({ inserted: per });
    const onThread = worker.stderr.split('batchInsert frame decoded on a thread').length - 1;
    expect(onThread).toBeGreaterThanOrEqual(1);
    expect(onThread).toBeLessThan(6);
    expect((await db.admin.query('SELECT count(*)::int AS n FROM budget')).rows[0].n).toBe(6 * per);
  } finally {
    await worker.close();
  }
}, 90_000);
