import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { jsonRpcMessageSchema } from '../../shared/protocol';
import { freePortSync } from '../support/free-port';
import { waitFor } from '../support/managers';
import {
  fillPlaceholders,
  framingBreaker,
  frameArbitrary,
  headerFor,
  Placeholder,
  toJsonText,
  type Frame,
} from '../support/protocol-arbitraries';
import { RawWorker } from '../support/raw-worker';
import { listSessions } from '../support/server-activity';
import { closeSuite, openSuite } from '../support/suite-setup';
import type { TestDatabase } from '../support/test-database';

/** The notifications a worker sends on its own. */
const WORKER_NOTIFICATIONS = new Set(['instance/state', '$/progress', 'transaction/ended', 'connection/opened', 'connection/closed', 'transaction/xid']);

/**
 * Hostile input on the worker's stdin, generated and seeded (fast-check):
 * odd but valid frames, bodies that are not UTF-8 / JSON / JSON-RPC, random
 * params for every operation `initialize` lists, random configs. Each run is
 * one worker process fed a few waves of frames. The worker must answer every
 * request it can parse, write nothing but frames, never crash, and leave its
 * pool idle and the server without busy sessions; when framing breaks, it
 * must exit with code 1 within 2 s. Reproduce a failure with FUZZ_SEED (and
 * FUZZ_PATH from the report); FUZZ_SHRINK=1 shrinks it (slow).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_607);
const RUNS = Number(process.env.FUZZ_RUNS ?? 36);
const FRAMING_RUNS = Number(process.env.FUZZ_FRAMING_RUNS ?? 24);
const WAVES = 4;
const FRAMES_PER_WAVE = { minLength: 35, maxLength: 50 };
const ANSWER_WITHIN_MS = 20_000;
const EXIT_WITHIN_MS = 2_000;
const fcOptions = (seed: number): fc.Parameters<unknown> => ({
  seed,
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  endOnFailure: process.env.FUZZ_SHRINK !== '1',
  // The counterexample is a whole run (hundreds of frames): the seed and path replay it.
  reporter: reportFailure,
});

/** fast-check's report without the (huge) counterexample value. */
function reportFailure(details: fc.RunDetails<unknown>): void {
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`Property failed after ${details.numRuns} runs; replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}\n${cause}`);
}

let db: TestDatabase;
let operations: string[];
let closedPort: number;
let inputsSent = 0;
/** How the generated requests were answered (result, or the error's code), to judge what the fuzz reached. */
const answers = new Map<string, number>();

beforeAll(async () => {
  ({ db } = await openSuite('fuzz'));
  closedPort = freePortSync();
  // The operations to fuzz are the ones the built worker says it has.
  const probe = new RawWorker();
  operations = (await probe.initialize()).result.operations;
  await probe.close();
  expect(operations.length).toBeGreaterThan(10);
  console.log(`fuzz seed ${SEED} (set FUZZ_SEED to change; ${RUNS} + ${FRAMING_RUNS} runs)`);
});

afterAll(() => closeSuite({ db }));

/** What a frame must get back: one answer with this id, one with a null id, or nothing. */
type Expectation = { kind: 'id'; id: string | number } | { kind: 'null' } | { kind: 'none' };

/** The answer the contract demands for these body bytes (JSON-RPC 2.0 as the worker's schema reads it). */
function expectationFor(body: Buffer): Expectation {
  if (!isUtf8(body)) return { kind: 'null' };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'null' };
  }
  if (!jsonRpcMessageSchema.safeParse(value).success) {
    const id = (value as { id?: unknown } | null)?.id;
    return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? { kind: 'id', id } : { kind: 'null' };
  }
  const m = value as { id?: string | number; method?: string };
  return m.method !== undefined && m.id !== undefined ? { kind: 'id', id: m.id } : { kind: 'none' };
}

/** One worker process under fuzz, with the bookkeeping to check its answers. */
class FuzzSession {
  readonly worker: RawWorker;
  readonly app = `fuzz-${crypto.randomBytes(4).toString('hex')}`;
  readonly goodInstance = 'fuzz:good';
  readonly goodConfig: Record<string, unknown>;
  readonly problems: string[] = [];
  private nextNumericId = 1_000;
  private nextStringId = 0;
  private nextControlId = 0;
  private readonly sentIds: (string | number)[] = [];
  private readonly transactions: string[] = [];
  /** Answers still owed, by id (an id may be owed more than once). */
  private readonly owed = new Map<string | number, number>();
  private owedNull = 0;
  private seenNull = 0;
  private cursor = 0;
  /** The start of each request body sent, by id, to show next to a wrong answer. */
  private readonly sentBodies = new Map<string | number, string>();

  constructor(args: string[] = []) {
    this.worker = new RawWorker({ POSTGRES_PLUGIN_LOG_LEVEL: 'warn' }, args);
    this.goodConfig = {
      ...db.config,
      applicationName: this.app,
      max: 4,
      connectionTimeoutMillis: 1_000,
      options: { queryTimeout: 2_000, lockTimeout: 300, transactionIdleTimeout: 1_500, reconnectInterval: 50, maxReconnectAttempts: 1 },
      logging: { level: 'warn' },
    };
  }

  /** A request of the test itself (ids `ctl-N`, never generated), answered or it fails. */
  async control(method: string, params?: unknown): Promise<any> {
    const id = `ctl-${this.nextControlId++}`;
    const answer = this.worker.waitFor((m) => m.id === id && !('method' in m), ANSWER_WITHIN_MS);
    this.worker.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
    return answer;
  }

  execute(operation: string, params: Record<string, unknown> = {}, withConfig = false): Promise<any> {
    return this.control('execute', { instanceId: this.goodInstance, operation, params, ...(withConfig ? { config: this.goodConfig } : {}) });
  }

  async start(): Promise<void> {
    const init = await this.control('initialize', { protocolVersion: 1, hostName: 'fuzz' });
    if (!init.result) this.problems.push(`initialize failed: ${JSON.stringify(init)}`);
    const ping = await this.execute('ping', {}, true);
    if (ping.result !== true) this.problems.push(`the good instance does not answer ping: ${JSON.stringify(ping)}`);
  }

  /** The bytes of one frame, with its placeholders filled, and what it must get back. */
  encode(frame: Frame): { bytes: Buffer; expect: Expectation } {
    const body = this.bodyBytes(frame);
    const expect = expectationFor(body);
    if (expect.kind === 'id') this.sentBodies.set(expect.id, body.toString('utf8', 0, 300));
    return { bytes: Buffer.concat([Buffer.from(headerFor(frame.header, body.length), 'latin1'), body]), expect };
  }

  /** Writes the frames in odd-sized pieces and waits until each answer owed has come. */
  async sendWave(frames: Frame[], chunks: number[], limit?: number): Promise<void> {
    const encoded = frames.map((f) => this.encode(f)).filter((e) => limit === undefined || e.bytes.length < limit);
    for (const { expect } of encoded) this.owe(expect);
    inputsSent += encoded.length;
    this.write(Buffer.concat(encoded.map((e) => e.bytes)), chunks);
    await this.settle();
  }

  /**
   * Between waves nothing is in flight, so a session of the good instance may
   * be inside a transaction only if a transaction handle owns it: more such
   * sessions than open handles means a pooled client went back in a transaction.
   */
  async checkNoStrayTransaction(): Promise<void> {
    const stats = (await this.execute('getStats')).result;
    if (stats === undefined) return;
    const inTransaction = await listSessions(db.admin, { applicationName: this.app, state: ['idle in transaction', 'idle in transaction (aborted)'] });
    if (inTransaction.length > stats.openTransactions) {
      this.problems.push(`${inTransaction.length} sessions in a transaction but ${stats.openTransactions} open transaction handles: ${JSON.stringify(inTransaction)}`);
    }
  }

  write(buffer: Buffer, chunks: number[]): void {
    const floor = Math.ceil(buffer.length / 64);
    for (let offset = 0, i = 0; offset < buffer.length; i++) {
      const size = Math.max(chunks[i % chunks.length]!, floor);
      this.worker.sendRaw(buffer.subarray(offset, offset + size));
      offset += size;
    }
  }

  /** Reads new output until nothing is owed (or the bound passes: a request without an answer). */
  async settle(): Promise<void> {
    const deadline = Date.now() + ANSWER_WITHIN_MS;
    for (;;) {
      this.collect();
      const owed = [...this.owed.values()].reduce((a, b) => a + b, 0);
      if (owed === 0 && this.seenNull >= this.owedNull) return;
      if (this.worker.child.exitCode !== null || this.worker.child.signalCode !== null) {
        this.problems.push(`worker exited (${this.worker.child.exitCode ?? this.worker.child.signalCode}) with ${owed} answers owed`);
        return;
      }
      if (Date.now() > deadline) {
        this.problems.push(`no answer within ${ANSWER_WITHIN_MS} ms for ids ${JSON.stringify([...this.owed.keys()].slice(0, 10))}; null answers ${this.seenNull}/${this.owedNull}`);
        return;
      }
      await sleep(5);
    }
  }

  /**
   * Ends the run's work: rolls back the transactions it opened, then checks the
   * good instance's pool is idle and the server has no busy session for it.
   */
  async checkIdleBaseline(): Promise<void> {
    for (const transactionId of this.transactions) await this.execute('rollback', { transactionId });
    let stats: any;
    const idle = await waitUntil(async () => {
      stats = (await this.execute('getStats')).result;
      return stats !== undefined && stats.waiting === 0 && stats.idle === stats.total && stats.openTransactions === 0;
    }, 3_000);
    if (!idle) this.problems.push(`pool not back at its idle baseline: ${JSON.stringify(stats)}`);
    let busy: unknown[] = [];
    const quiet = await waitUntil(async () => {
      busy = await listSessions(db.admin, { applicationName: this.app, state: ['active', 'idle in transaction', 'idle in transaction (aborted)'] });
      return busy.length === 0;
    }, 3_000);
    if (!quiet) this.problems.push(`busy sessions left on the server: ${JSON.stringify(busy)}`);
  }

  /** After exit: no session of this run may be left on the server. */
  async checkNoSessionsLeft(): Promise<void> {
    let left: unknown[] = [];
    const gone = await waitUntil(async () => {
      left = [...(await listSessions(db.admin, { applicationName: this.app })), ...(await listSessions(db.admin, { applicationName: `${this.app}-b` }))];
      return left.length === 0;
    }, 2_000);
    if (!gone) this.problems.push(`sessions left after the worker exited: ${JSON.stringify(left)}`);
  }

  /** Whatever went wrong on the worker's side channel: stdout outside frames, a crash logged on stderr. */
  checkOutput(): void {
    this.collect();
    if (this.worker.protocolViolation) this.problems.push(`stdout: ${this.worker.protocolViolation}`);
    for (const line of this.worker.stderr.split('\n')) {
      if (/uncaught exception|unhandled rejection|unexpected error/.test(line)) this.problems.push(`stderr: ${line.slice(0, 600)}`);
    }
    if (this.seenNull !== this.owedNull) this.problems.push(`${this.seenNull} answers with a null id, ${this.owedNull} expected`);
  }

  async exitWithin(ms: number): Promise<{ code: number | null; elapsed: number }> {
    const started = Date.now();
    const timer = setTimeout(() => this.worker.child.kill('SIGKILL'), ms + 3_000);
    const { code } = await this.worker.exited;
    clearTimeout(timer);
    return { code, elapsed: Date.now() - started };
  }

  kill(): void {
    if (this.worker.child.exitCode === null && this.worker.child.signalCode === null) this.worker.child.kill('SIGKILL');
  }

  private bodyBytes(frame: Frame): Buffer {
    const body = frame.body;
    if (body.kind === 'bytes') return Buffer.from(body.bytes);
    if (body.kind === 'text') return Buffer.from(body.text, 'utf8');
    const value = fillPlaceholders(body.value, (token) => this.resolve(token));
    let bytes = Buffer.from(toJsonText(value), 'utf8');
    if (body.cutAt !== undefined) bytes = bytes.subarray(0, Math.floor(bytes.length * body.cutAt));
    if (body.badUtf8) {
      const at = Math.floor(bytes.length * body.badUtf8.at);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(body.badUtf8.bytes), bytes.subarray(at)]);
    }
    return bytes;
  }

  private resolve(token: string): unknown {
    const real = db.config;
    switch (token) {
      case Placeholder.numericId:
        return this.sent(this.nextNumericId++);
      case Placeholder.stringId:
        return this.sent(`r-${this.nextStringId++}`);
      case Placeholder.goodInstance:
        return this.goodInstance;
      case Placeholder.goodConfig:
        return this.goodConfig;
      case Placeholder.realHost:
        return real.host;
      case Placeholder.realPort:
        return real.port;
      case Placeholder.realDatabase:
        return real.database;
      case Placeholder.realUser:
        return real.user;
      case Placeholder.realPassword:
        return real.password;
      case Placeholder.closedPort:
        return closedPort;
      case Placeholder.bogusApplicationName:
        return `${this.app}-b`;
    }
    if (token.startsWith(Placeholder.transaction)) {
      const n = Number(token.slice(Placeholder.transaction.length));
      return this.transactions.length > 0 ? this.transactions[n % this.transactions.length] : crypto.randomUUID();
    }
    if (token.startsWith(Placeholder.previousRequest)) {
      const n = Number(token.slice(Placeholder.previousRequest.length));
      return this.sentIds[this.sentIds.length - 1 - n] ?? 'never-sent';
    }
    return token;
  }

  private sent<T extends string | number>(id: T): T {
    this.sentIds.push(id);
    return id;
  }

  private owe(expect: Expectation): void {
    if (expect.kind === 'null') this.owedNull++;
    if (expect.kind === 'id') this.owed.set(expect.id, (this.owed.get(expect.id) ?? 0) + 1);
  }

  /** Checks every message the worker wrote since the last call. */
  private collect(): void {
    const messages = this.worker.messages;
    for (; this.cursor < messages.length; this.cursor++) {
      const m = messages[this.cursor];
      if ('method' in m) {
        if (!WORKER_NOTIFICATIONS.has(m.method)) this.problems.push(`unexpected notification ${m.method}`);
        continue;
      }
      const shape = responseProblem(m);
      if (shape) this.problems.push(`${shape}: ${JSON.stringify(m).slice(0, 600)}`);
      if (typeof m.id === 'string' && m.id.startsWith('ctl-')) continue;
      if (m.id === null) {
        this.seenNull++;
        continue;
      }
      const owed = this.owed.get(m.id) ?? 0;
      if (owed === 0) {
        const sent = this.sentBodies.get(m.id) ?? '(nothing with this id was sent)';
        this.problems.push(`answer nobody asked for (or a second one): ${JSON.stringify(m).slice(0, 300)} to ${sent}`);
      }
      else if (owed === 1) this.owed.delete(m.id);
      else this.owed.set(m.id, owed - 1);
      const kind = 'error' in m ? String(m.error?.data?.code ?? m.error?.code) : 'result';
      answers.set(kind, (answers.get(kind) ?? 0) + 1);
      const transactionId = m.result?.transactionId;
      if (typeof transactionId === 'string') this.transactions.push(transactionId);
    }
  }
}

/** What is wrong with a response's shape, if anything (docs/plugin-api.md#errors; no internal errors, no stack traces). */
function responseProblem(m: any): string | undefined {
  if (m.jsonrpc !== '2.0') return 'not a JSON-RPC 2.0 response';
  if (('result' in m) === ('error' in m)) return 'not exactly one of result and error';
  if (!('error' in m)) return undefined;
  const e = m.error;
  if (!Number.isInteger(e?.code) || typeof e.message !== 'string') return 'malformed error';
  if (e.code === -32603) return 'internal error (a worker bug)';
  if (/\n\s+at /.test(e.message)) return 'stack trace in an error message';
  if (e.data !== undefined) {
    const d = e.data;
    if (typeof d.code !== 'string' || !d.code.startsWith('POSTGRES_') || typeof d.retryable !== 'boolean' || typeof d.timestamp !== 'string') {
      return 'error.data without the contract shape';
    }
  }
  return undefined;
}

const waitUntil = (check: () => Promise<boolean>, timeoutMs: number) => waitFor(check, timeoutMs, 50);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('intact framing, hostile content: every request answered, no crash, pool idle afterwards', async () => {
  const frame = frameArbitrary(operations);
  const run = fc.record({
    initializeFirst: fc.constantFrom(true, true, true, false),
    waves: fc.array(fc.array(frame, FRAMES_PER_WAVE), { minLength: WAVES, maxLength: WAVES }),
    chunks: fc.array(fc.integer({ min: 1, max: 8_192 }), { minLength: 1, maxLength: 8 }),
    ending: fc.constantFrom('shutdown-exit', 'eof', 'eof-mid-frame'),
  });
  const before = inputsSent;
  await fc.assert(
    fc.asyncProperty(run, async ({ initializeFirst, waves, chunks, ending }) => {
      const session = new FuzzSession();
      try {
        if (initializeFirst) await session.start();
        for (const [i, wave] of waves.entries()) {
          if (!initializeFirst && i === 1) await session.start();
          await session.sendWave(wave, chunks);
          if (session.worker.child.exitCode === null) await session.checkNoStrayTransaction();
        }
        if (session.worker.child.exitCode === null) await session.checkIdleBaseline();
        let expectedCode = 1;
        if (ending === 'shutdown-exit') {
          const shutdown = await session.control('shutdown');
          if (shutdown.result !== null) session.problems.push(`shutdown answered ${JSON.stringify(shutdown)}`);
          session.worker.send({ jsonrpc: '2.0', method: 'exit' });
          expectedCode = 0;
        } else {
          if (ending === 'eof-mid-frame') session.worker.sendRaw('Content-Length: 100\r\n\r\n{"jsonrpc":');
          session.worker.child.stdin.end();
        }
        const { code, elapsed } = await session.exitWithin(EXIT_WITHIN_MS);
        if (code !== expectedCode || elapsed > EXIT_WITHIN_MS) session.problems.push(`${ending}: exit code ${code} after ${elapsed} ms (want ${expectedCode} within ${EXIT_WITHIN_MS} ms)`);
        session.checkOutput();
        await session.checkNoSessionsLeft();
      } finally {
        session.kill();
      }
      if (session.problems.length > 0) throw new Error(session.problems.slice(0, 15).join('\n'));
    }),
    { ...fcOptions(SEED), numRuns: RUNS },
  );
  const summary = [...answers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`fuzz: ${inputsSent - before} generated frames over ${RUNS} workers with intact framing; answers: ${summary}`);
}, 600_000);

test('broken framing: the worker exits with code 1 within 2 s and leaves no session behind', async () => {
  const frame = frameArbitrary(operations);
  const run = fc.record({
    prefix: fc.array(frame, { minLength: 3, maxLength: 15 }),
    slowStatementInFlight: fc.boolean(),
    breaker: fc.oneof({ weight: 4, arbitrary: framingBreaker }, { weight: 1, arbitrary: fc.constant({ name: 'over --max-message-bytes', bytes: '' }) }),
    trailing: fc.array(frame, { maxLength: 3 }),
  });
  const before = inputsSent;
  await fc.assert(
    fc.asyncProperty(run, async ({ prefix, slowStatementInFlight, breaker, trailing }) => {
      const limit = breaker.bytes === '' ? 4_096 : undefined;
      const session = new FuzzSession(limit ? ['--max-message-bytes', String(limit)] : []);
      try {
        await session.start();
        await session.sendWave(prefix, [8_192], limit);
        if (slowStatementInFlight) void session.execute('query', { sql: 'SELECT pg_sleep(0.5)' }).catch(() => undefined);
        await sleep(slowStatementInFlight ? 50 : 0);
        const breaking = limit ? `Content-Length: ${limit + 1}\r\n\r\n${'{'.repeat(limit + 1)}` : breaker.bytes;
        const after = trailing.map((f) => session.encode(f).bytes);
        inputsSent += 1 + after.length;
        session.worker.sendRaw(Buffer.concat([Buffer.from(breaking, 'utf8'), ...after]));
        const { code, elapsed } = await session.exitWithin(EXIT_WITHIN_MS);
        if (code !== 1 || elapsed > EXIT_WITHIN_MS) session.problems.push(`${breaker.name}: exit code ${code} after ${elapsed} ms (want 1 within ${EXIT_WITHIN_MS} ms)`);
        if (!session.worker.stderr.includes('framing lost')) session.problems.push(`${breaker.name}: no 'framing lost' on stderr`);
        if (session.worker.protocolViolation) session.problems.push(`stdout: ${session.worker.protocolViolation}`);
        await session.checkNoSessionsLeft();
      } finally {
        session.kill();
      }
      if (session.problems.length > 0) throw new Error(session.problems.slice(0, 15).join('\n'));
    }),
    { ...fcOptions(SEED + 1), numRuns: FRAMING_RUNS },
  );
  console.log(`fuzz: ${inputsSent - before} frames over ${FRAMING_RUNS} workers whose framing broke`);
}, 300_000);

test('at least 5,000 generated inputs reached the worker', () => {
  expect(inputsSent).toBeGreaterThanOrEqual(5_000);
});
