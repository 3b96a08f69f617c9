import path from 'node:path';
import { context, metrics, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { PluginManager } from '../../host';
import { memoryLogger } from '../support/memory-logger';
import { waitFor } from '../support/managers';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
context.setGlobalContextManager(contextManager);
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);

const SECRET_VALUE = 'parameter-value-7f3a91';
const log = memoryLogger('debug');
let db: TestDatabase;
let plugins: PluginManager;
let config: Record<string, unknown>;

beforeAll(async () => {
  ({ db, plugins } = await openSuite('telemetry', { manager: () => new PluginManager({ logger: log.logger }) }));
  // Query logging on, so the worker's statement log lines (with the trace id) reach the host logger.
  config = { ...db.config, logging: { level: 'debug', logQueries: true } };
  await plugins.executePlugin('postgres-plugin', 'tel', config, 'execute', { sql: 'CREATE TABLE items (id int PRIMARY KEY, name text)' });
  exporter.reset();
});
afterAll(async () => {
  await closeSuite({ plugins, db });
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  contextManager.disable();
});

/** Runs `fn` inside a test span: the spans it makes must be its children. */
async function inTestSpan<T>(fn: () => Promise<T>): Promise<{ result: T; parent: ReadableSpan; children: ReadableSpan[] }> {
  exporter.reset();
  const tracer = trace.getTracer('test');
  const result = await tracer.startActiveSpan('test', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
  const spans = exporter.getFinishedSpans();
  const parent = spans.find((s) => s.name === 'test')!;
  return { result, parent, children: spans.filter((s) => s !== parent) };
}

function expectChildOf(span: ReadableSpan, parent: ReadableSpan): void {
  expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
  expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  expect(span.kind).toBe(SpanKind.CLIENT);
}

const endpoint = () => ({ 'db.system.name': 'postgresql', 'db.namespace': db.config.database, 'server.address': db.config.host, 'server.port': db.config.port });

test('a query is one CLIENT span under the caller, with the conventions’ attributes and the worker’s timings, and no parameter value', async () => {
  const sql = 'SELECT name FROM items WHERE id = $1 AND name <> $2';
  const { result, parent, children } = await inTestSpan(() => plugins.executePlugin('postgres-plugin', 'tel', config, 'query', { sql, params: [1, SECRET_VALUE] }));
  expect(result.success).toBe(true);
  expect(children).toHaveLength(1);
  const span = children[0]!;
  expectChildOf(span, parent);
  expect(span.name).toBe('SELECT');
  expect(span.attributes).toEqual({ ...endpoint(), 'db.operation.name': 'SELECT', 'db.query.summary': 'SELECT', 'db.query.text': sql, 'db.client.connection.pool.name': 'tel' });
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  const event = span.events.find((e) => e.name === 'postgres_plugin.worker');
  expect(event?.attributes).toEqual({
    'postgres_plugin.worker.connection_wait_ms': expect.any(Number),
    'postgres_plugin.worker.server_ms': expect.any(Number),
    'postgres_plugin.worker.encode_ms': expect.any(Number),
    'postgres_plugin.worker.total_ms': expect.any(Number),
  });
  expect(event!.attributes!['postgres_plugin.worker.server_ms']).toBeGreaterThan(0);
  // The worker's statement log line carries the trace id, through the host's logger, with the worker's pid.
  const traceId = span.spanContext().traceId;
  await waitFor(() => log.lines.some((line) => line.includes(traceId)), 5_000);
  const line = JSON.parse(log.lines.find((l) => l.includes(traceId))!) as Record<string, unknown>;
  expect(line).toMatchObject({ traceId, sql, workerPid: plugins.workerPid() });
});

test('a failing query: SQLSTATE on the span, status error, error.type', async () => {
  const { result, parent, children } = await inTestSpan(() => plugins.executePlugin('postgres-plugin', 'tel', config, 'query', { sql: 'SELECT * FROM missing_table' }));
  expect(result.success).toBe(false);
  const span = children[0]!;
  expectChildOf(span, parent);
  expect(span.attributes).toMatchObject({ 'db.response.status_code': '42P01', 'error.type': '42P01', 'postgres_plugin.error.code': 'POSTGRES_QUERY_FAILED' });
  expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'relation "missing_table" does not exist' });
});

test('a transaction and a batchInsert each make their span; the table is the collection', async () => {
  const tx = await inTestSpan(() =>
    plugins.executePlugin('postgres-plugin', 'tel', config, 'transaction', {
      operations: [{ sql: 'INSERT INTO items VALUES ($1, $2)', params: [10, SECRET_VALUE] }, { sql: 'SELECT count(*) FROM items' }],
    }),
  );
  expect(tx.result.success).toBe(true);
  expectChildOf(tx.children[0]!, tx.parent);
  expect(tx.children[0]!.attributes).toMatchObject({ ...endpoint(), 'db.operation.name': 'transaction', 'db.query.text': 'INSERT INTO items VALUES ($1, $2); SELECT count(*) FROM items', 'db.operation.batch.size': 2 });
  expect(tx.children[0]!.events.map((e) => e.name)).toEqual(['postgres_plugin.worker']);

  const records = Array.from({ length: 50 }, (_, i) => ({ id: 100 + i, name: SECRET_VALUE }));
  const batch = await inTestSpan(() => plugins.executePlugin('postgres-plugin', 'tel', config, 'batchInsert', { table: 'items', records }));
  expect(batch.result).toEqual({ success: true, data: { inserted: 50, updated: 0, skipped: 0 } });
  expectChildOf(batch.children[0]!, batch.parent);
  expect(batch.children[0]!.name).toBe('COPY items');
  expect(batch.children[0]!.attributes).toMatchObject({ ...endpoint(), 'db.operation.name': 'COPY', 'db.collection.name': 'items', 'db.query.summary': 'COPY items' });
  // Neither a parameter value nor the password is anywhere in the spans.
  const everything = JSON.stringify([tx.children, batch.children].flat().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
  expect(everything).not.toContain(SECRET_VALUE);
  expect(everything).not.toContain(db.config.password);
});

test('parameter values appear only when captureParameters is on; sqlCommenter puts the traceparent in the text the server sees', async () => {
  const capturing = new PluginManager({ logger: memoryLogger('warn').logger, telemetry: { captureParameters: true, sqlCommenter: true } });
  try {
    const { result, children } = await inTestSpan(() => capturing.executePlugin('postgres-plugin', 'cap', db.config, 'queryValue', { sql: 'SELECT current_query()', params: [] }));
    const span = children[0]!;
    const { traceId, spanId } = span.spanContext();
    expect(result).toEqual({ success: true, data: `SELECT current_query()\n/*traceparent='00-${traceId}-${spanId}-01'*/` });
    expect(span.attributes['db.query.text']).toBe('SELECT current_query()');
    const withValue = await inTestSpan(() => capturing.executePlugin('postgres-plugin', 'cap', db.config, 'query', { sql: 'SELECT $1::text AS v', params: [SECRET_VALUE] }));
    expect(withValue.children[0]!.attributes['db.query.parameter.0']).toBe(SECRET_VALUE);
  } finally {
    await capturing.shutdown();
  }
});

test('a batchInsert large enough to be decoded on a worker thread is traced like any other: the worker’s timings on its span', async () => {
  const records = Array.from({ length: 3_000 }, (_, i) => ({ id: 10_000 + i, name: `${SECRET_VALUE} ${'x'.repeat(100)}` }));
  expect(JSON.stringify(records).length).toBeGreaterThan(256 * 1024);
  const { result, parent, children } = await inTestSpan(() => plugins.executePlugin('postgres-plugin', 'tel', config, 'batchInsert', { table: 'items', records }));
  expect(result).toEqual({ success: true, data: { inserted: 3_000, updated: 0, skipped: 0 } });
  expectChildOf(children[0]!, parent);
  expect(children[0]!.events.map((e) => e.name)).toEqual(['postgres_plugin.worker']);
  expect(children[0]!.events[0]!.attributes!['postgres_plugin.worker.total_ms']).toBeGreaterThan(0);
});

test('a module plugin’s worker, which keeps no timings, answers as it would untraced; its call still has its span', async () => {
  const modules = new PluginManager({ logger: memoryLogger('warn').logger, pluginsDir: path.join(__dirname, '..', 'fixtures', 'plugin-folders', 'mixed') });
  try {
    const { result, parent, children } = await inTestSpan(() => modules.executePlugin('greeter', 'g1', { greeting: 'hi' }, 'greet', { name: 'Ada' }));
    expect(result).toEqual({ success: true, data: { message: 'hi, Ada', calls: 1 } });
    expectChildOf(children[0]!, parent);
    expect(children[0]!.events).toEqual([]);
  } finally {
    await modules.shutdown();
  }
});

function points(collected: ResourceMetrics, name: string): { attributes: Record<string, unknown>; value: unknown }[] {
  const metric = collected.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
}

test('the connection wait metric counts checkouts: a transaction takes a connection from the pool, a statement on a pipelined lane does not', async () => {
  const waits = async () => points((await reader.collect()).resourceMetrics, 'db.client.connection.wait_time').filter((p) => p.attributes['db.client.connection.pool.name'] === 'tel').reduce((n, p) => n + (p.value as { count: number }).count, 0);
  const before = await waits();
  await inTestSpan(() => plugins.executePlugin('postgres-plugin', 'tel', config, 'transaction', { operations: [{ sql: 'SELECT 1' }] }));
  expect(await waits()).toBe(before + 1);
  // Many at once: some share the pipelined lanes, whose statements took no connection of their own.
  const { children } = await inTestSpan(() => Promise.all(Array.from({ length: 40 }, (_, i) => plugins.executePlugin('postgres-plugin', 'tel', config, 'query', { sql: 'SELECT $1::int AS n', params: [i] }))));
  expect(children.filter((s) => s.events.length === 1)).toHaveLength(40);
  const counted = (await waits()) - before - 1;
  expect(counted).toBeGreaterThan(0);
  expect(counted).toBeLessThan(40);
});

test('metrics after a known workload: durations, errors, timeouts, connections, a restart after SIGKILL, the plain snapshot', async () => {
  const manager = new PluginManager({ logger: memoryLogger('silent').logger });
  try {
    const id = 'metered';
    for (let i = 0; i < 5; i++) expect((await manager.executePlugin('postgres-plugin', id, db.config, 'query', { sql: 'SELECT 1' })).success).toBe(true);
    await manager.executePlugin('postgres-plugin', id, db.config, 'query', { sql: 'SELECT * FROM missing_table' });
    const timedOut = await manager.executePlugin('postgres-plugin', id, db.config, 'query', { sql: 'SELECT pg_sleep(5)', timeout: 100 });
    expect(timedOut.success === false && timedOut.error.code).toBe('POSTGRES_QUERY_TIMEOUT');
    const pid = manager.workerPid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => manager.workerPid() !== undefined && manager.workerPid() !== pid, 10_000);
    expect((await manager.executePlugin('postgres-plugin', id, db.config, 'query', { sql: 'SELECT 2' })).success).toBe(true);

    const collected = await reader.collect();
    const mine = (name: string) => points(collected.resourceMetrics, name).filter((p) => p.attributes['db.client.connection.pool.name'] === id);
    const durations = mine('db.client.operation.duration');
    const count = (filter: (a: Record<string, unknown>) => boolean) => durations.filter((p) => filter(p.attributes)).reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(count(() => true)).toBe(8);
    expect(count((a) => a['error.type'] === undefined)).toBe(6);
    expect(count((a) => a['error.type'] === '42P01' && a['db.response.status_code'] === '42P01')).toBe(1);
    expect(count((a) => a['error.type'] === '57014')).toBe(1);
    expect(durations[0]!.attributes).toMatchObject({ ...endpoint(), 'db.operation.name': 'SELECT' });
    expect(mine('postgres_plugin.query.timeouts').map((p) => p.value)).toEqual([1]);
    const connections = mine('db.client.connection.count');
    expect(connections.map((p) => p.attributes['db.client.connection.state']).sort()).toEqual(['idle', 'used']);
    expect(connections.find((p) => p.attributes['db.client.connection.state'] === 'idle')!.value).toBeGreaterThanOrEqual(1);
    expect(mine('db.client.connection.pending_requests').map((p) => p.value)).toEqual([0]);
    // The restart counter is per plugin: this manager's worker and the suite's share the name, so count the difference.
    const restarts = points(collected.resourceMetrics, 'postgres_plugin.worker.restarts').reduce((n, p) => n + (p.value as number), 0);
    expect(restarts).toBeGreaterThanOrEqual(1);
    const circuits = points(collected.resourceMetrics, 'postgres_plugin.worker.circuit_open');
    expect(circuits.map((p) => p.value)).toContain(0);

    const snapshot = manager.telemetry.snapshot();
    expect(snapshot.instances[id]).toMatchObject({ pluginName: 'postgres-plugin', instanceId: id, calls: 8, errors: 2, timeouts: 1, connectionTimeouts: 0 });
    expect(snapshot.workers).toEqual([expect.objectContaining({ pluginName: 'postgres-plugin', restarts: 1, circuit: 'closed', pid: manager.workerPid(), inFlight: 0 })]);
  } finally {
    await manager.shutdown();
  }
});
