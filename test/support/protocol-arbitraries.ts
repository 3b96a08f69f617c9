import fc from 'fast-check';

/**
 * fast-check arbitraries of hostile input for the worker's stdio protocol:
 * frames with odd headers, bodies that are not UTF-8, not JSON or not JSON-RPC,
 * and JSON-RPC requests with random params for every operation, random configs
 * and random instance ids. Values that only exist at send time (request ids,
 * transaction ids, the run's database config) are placeholders, filled in by
 * {@link fillPlaceholders}.
 */

/** Placeholders, replaced when a message is sent. */
export const Placeholder = {
  /** A fresh numeric request id. */
  numericId: '\u0000id:number',
  /** A fresh string request id. */
  stringId: '\u0000id:string',
  /** `\u0000tx:N`: the Nth transaction id seen so far (mod their count). */
  transaction: '\u0000tx:',
  /** `\u0000prev:N`: the id of the request sent N requests before this one. */
  previousRequest: '\u0000prev:',
  /** The instance backed by the real test database. */
  goodInstance: '\u0000instance:good',
  /** The valid config of the good instance. */
  goodConfig: '\u0000config:good',
  /** Connection facts of the real server, for configs that half-work. */
  realHost: '\u0000real:host',
  realPort: '\u0000real:port',
  realDatabase: '\u0000real:database',
  realUser: '\u0000real:user',
  realPassword: '\u0000real:password',
  /** A port on 127.0.0.1 where nothing listens. */
  closedPort: '\u0000port:closed',
  /** An application_name the run checks for leftover sessions. */
  bogusApplicationName: '\u0000app:bogus',
} as const;

/** How a body is turned into bytes when sent. */
export type FrameBody =
  /** JSON.stringify of the filled value; optionally cut short or with invalid UTF-8 spliced in. */
  | { kind: 'json'; value: unknown; cutAt?: number; badUtf8?: { at: number; bytes: readonly number[] } }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: readonly number[] };

/** Header variants that are all valid Content-Length framing. */
export type HeaderStyle = 'plain' | 'lowercase' | 'with-content-type' | 'content-type-first' | 'padded' | 'leading-zeros';

export interface Frame {
  header: HeaderStyle;
  body: FrameBody;
}

/** Builds the header block for a body of `length` bytes. */
export function headerFor(style: HeaderStyle, length: number): string {
  const type = 'Content-Type: application/vscode-jsonrpc; charset=utf-8';
  switch (style) {
    case 'plain':
      return `Content-Length: ${length}\r\n\r\n`;
    case 'lowercase':
      return `content-length: ${length}\r\n\r\n`;
    case 'with-content-type':
      return `Content-Length: ${length}\r\n${type}\r\n\r\n`;
    case 'content-type-first':
      return `${type}\r\nContent-Length: ${length}\r\n\r\n`;
    case 'padded':
      return `Content-Length:    ${length}  \r\n\r\n`;
    case 'leading-zeros':
      return `Content-Length: 000${length}\r\n\r\n`;
  }
}

// ── values ────────────────────────────────────────────────────────────────

const nasty = fc.constantFrom<unknown>(
  null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '\u0000', '\ud800', '💥', 'x'.repeat(300),
  '__proto__', 'constructor', {}, [], [null], { __proto__: null }, { toString: 1 }, { length: -1 },
  2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2,
);
const anyJson: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 2, arbitrary: nasty });
const randomKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('sql', 'params', 'timeout', 'transactionId', 'table', 'where', '__proto__', 'constructor', 'prototype'),
);
/** A random object; keys like `__proto__` become own properties (Object.fromEntries), as JSON.parse makes them. */
export const randomObject: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(randomKey, anyJson), { maxLength: 4 })
  .map((entries) => Object.fromEntries(entries));

/**
 * Nesting deep enough to find recursion without a bound. Kept as a token and
 * expanded in the JSON text by {@link toJsonText}: JSON.stringify itself can't
 * write 20,000 levels (JSON.parse reads them fine, so the worker can get them).
 */
const DEEP = '\u0000deep:';
const deep = fc.constantFrom(50, 2_000, 20_000).map((depth) => `${DEEP}${depth}`);

const timeout = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -5, 1.5, 2_147_483_647, 2_147_483_648, '100', null, 1) },
);

/** SQL that runs quickly and exercises odd paths: errors, transaction control, COPY, session state, self-termination. */
export const SQL = [
  'SELECT 1', 'SELECT 1 AS a, 2 AS b', 'SELECT $1::int AS n', 'SELECT $1::text AS t', 'SELECT $1::jsonb AS j',
  'SELECT $1::bytea AS b', 'SELECT $1, $2', 'SELECT $1::int[]', 'SELECT pg_sleep(0.02)', 'SELECT pg_sleep(0.2)',
  'SELECT * FROM generate_series(1, 300) g', "SELECT repeat('x', 200000) AS big", 'SELECT now(), 1::int8, 1.5::numeric, NULL',
  'SELECT 1/0', 'SELEKT 1', 'SELECT 1; SELECT 2', 'BEGIN', 'START TRANSACTION', 'begin isolation level serializable',
  '/* hidden */ COMMIT', 'COMMIT', 'ROLLBACK', 'END', 'ABORT', 'SAVEPOINT s', 'ROLLBACK TO SAVEPOINT s', 'RELEASE s',
  "PREPARE TRANSACTION 'fz'", 'BEGIN; SELECT 1', 'SELECT 1; BEGIN', 'COMMIT; BEGIN', 'SET statement_timeout = 1',
  'SET LOCAL lock_timeout = 1', 'SET idle_in_transaction_session_timeout = 1', 'RESET ALL', 'DISCARD ALL', 'DEALLOCATE ALL',
  'SELECT pg_terminate_backend(pg_backend_pid())', 'SELECT pg_cancel_backend(pg_backend_pid())',
  'COPY (SELECT 1) TO STDOUT', 'COPY fz_a FROM STDIN', 'LISTEN fz', "NOTIFY fz, 'x'", 'VACUUM',
  'CREATE TABLE IF NOT EXISTS fz_a (id serial PRIMARY KEY, v text)', 'INSERT INTO fz_a (v) VALUES ($1)', 'SELECT * FROM fz_a LIMIT 5',
  'LOCK TABLE fz_a', 'SELECT * FROM fz_a FOR UPDATE', 'CREATE TEMP TABLE fz_tmp (a int)', "DO $$ BEGIN RAISE NOTICE 'hi'; END $$",
  "DO $$ BEGIN RAISE EXCEPTION 'boom'; END $$", 'SELECT pg_sleep(0.05) FROM fz_a',
];
const sql = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SQL) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('', ' ', 42, null, ['SELECT 1'], 'x'.repeat(100_000)) },
);
const statementParams = fc.oneof(
  { weight: 4, arbitrary: fc.array(anyJson, { maxLength: 3 }) },
  { weight: 1, arbitrary: deep.map((d) => [d]) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('not an array', {}, null) },
);
const transactionRef = fc.oneof(
  { weight: 5, arbitrary: fc.nat(20).map((n) => `${Placeholder.transaction}${n}`) },
  { weight: 1, arbitrary: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 }), nasty) },
);
const isolation = fc.oneof(
  fc.constantFrom('READ_COMMITTED', 'READ UNCOMMITTED', 'repeatable_read', 'SERIALIZABLE', ' serializable '),
  fc.constantFrom<unknown>('CHAOS', '', 5, null),
);
const tableName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('fz_a', 'fz_b', 'public.fz_c', 'fz schema.t', 'Fz_Mixed', 'fz"quote', 'pg_catalog.pg_class') },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom<unknown>('', 'a.b.c', '.x', 'x'.repeat(70), 7)) },
);
const columnName = fc.oneof(fc.constantFrom('id', 'v', 'n', 'data', 'Mixed Case', 'x"y'), fc.string({ maxLength: 6 }));
const typeName = fc.oneof(
  fc.constantFrom('int', 'integer', 'text', 'jsonb', 'numeric(10,2)', 'varchar(20)', 'timestamptz', 'int[]', 'serial', 'bigint'),
  fc.constantFrom<unknown>('bogus', 'int; DROP TABLE fz_a', 'varchar(', '', 3),
);
const column = fc.record(
  {
    name: columnName,
    type: typeName,
    nullable: fc.boolean(),
    primaryKey: fc.boolean(),
    unique: fc.boolean(),
    default: fc.oneof(anyJson, fc.constantFrom({ sql: 'now()' }, { sql: '1/0' }, { sql: '' })),
    references: fc.record({ table: tableName, column: columnName }, { requiredKeys: ['table'] }),
    check: fc.constantFrom({ sql: 'true' }, { sql: 'n > 0' }, { sql: ')' }),
  },
  { requiredKeys: ['name', 'type'] },
);
const alteration = fc.oneof(
  fc.record({ action: fc.constant('addColumn'), column, ifNotExists: fc.boolean() }, { requiredKeys: ['action', 'column'] }),
  fc.record({ action: fc.constantFrom('dropColumn', 'dropDefault', 'setNotNull', 'dropNotNull'), column: columnName }),
  fc.record({ action: fc.constant('renameColumn'), column: columnName, to: columnName }),
  fc.record({ action: fc.constant('alterColumnType'), column: columnName, type: typeName }),
  fc.record({ action: fc.constant('setDefault'), column: columnName, default: anyJson }),
  fc.record({ action: fc.constant('renameTable'), to: columnName }),
  fc.record({ action: fc.constant('addConstraint'), type: fc.constantFrom('unique', 'primaryKey', 'check', 'foreignKey', 'nope'), columns: fc.array(columnName, { maxLength: 2 }) }),
  fc.record({ action: fc.constant('dropConstraint'), name: columnName, ifExists: fc.boolean() }),
  randomObject,
);

/** Params by operation: near-valid shapes with random values, so validation passes often enough to reach PostgreSQL. */
const paramsByOperation: Record<string, fc.Arbitrary<unknown>> = {
  query: statement(),
  queryOne: statement(),
  queryValue: statement(),
  execute: statement(),
  transaction: fc.record(
    {
      operations: fc.array(fc.record({ sql, params: statementParams }, { requiredKeys: ['sql'] }), { maxLength: 4 }),
      isolationLevel: isolation,
      readOnly: fc.boolean(),
      deferrable: fc.boolean(),
      timeout,
    },
    { requiredKeys: ['operations'] },
  ),
  beginTransaction: fc.record(
    { isolationLevel: isolation, readOnly: fc.boolean(), deferrable: fc.boolean(), idleTimeout: timeout, timeout },
    { requiredKeys: [] },
  ),
  commit: fc.record({ transactionId: transactionRef, timeout }, { requiredKeys: ['transactionId'] }),
  rollback: fc.record({ transactionId: transactionRef, timeout }, { requiredKeys: ['transactionId'] }),
  createTable: fc.record({
    table: tableName,
    schema: fc.record(
      {
        columns: fc.array(column, { maxLength: 4 }),
        primaryKey: fc.array(columnName, { maxLength: 2 }),
        ifNotExists: fc.boolean(),
        indexes: fc.array(fc.record({ columns: fc.array(columnName, { maxLength: 2 }), method: fc.constantFrom('btree', 'gin', 'bad') }), { maxLength: 2 }),
      },
      { requiredKeys: ['columns'] },
    ),
  }),
  alterTable: fc.record({ table: tableName, alterations: fc.array(alteration, { maxLength: 3 }) }),
  dropTable: fc.record({ table: tableName, ifExists: fc.boolean(), cascade: fc.boolean() }, { requiredKeys: ['table'] }),
  listTables: fc.record({ schema: fc.oneof(fc.constantFrom('public', '*', 'pg_catalog', 'nope'), fc.string({ maxLength: 5 })) }, { requiredKeys: [] }),
  describeTable: fc.record({ table: tableName }),
};

function statement(): fc.Arbitrary<unknown> {
  return fc
    .record({
      sql,
      params: maybe(statementParams),
      timeout: maybe(timeout, 3),
      rowMode: maybe(fc.constantFrom<unknown>('object', 'array', 'matrix'), 3),
      multiStatement: maybe(fc.boolean()),
      transactionId: maybe(transactionRef, 3),
    })
    .map(dropUndefined);
}

/** `arb`, or absent (undefined) `absentWeight` times as often. */
function maybe(arb: fc.Arbitrary<unknown>, absentWeight = 1): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: absentWeight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** Params for `operation`: its near-valid shape, a random object, or something that is not an object at all. */
function paramsFor(operation: string): fc.Arbitrary<unknown> {
  const shaped = Object.hasOwn(paramsByOperation, operation) ? paramsByOperation[operation]! : fc.record({ timeout }, { requiredKeys: [] });
  return fc.oneof(
    { weight: 8, arbitrary: shaped },
    { weight: 1, arbitrary: randomObject },
    { weight: 1, arbitrary: fc.oneof(nasty, deep) },
  );
}

// ── configs ───────────────────────────────────────────────────────────────

/**
 * A config for a bogus instance: mostly well-formed, pointing at a closed port,
 * the real server with something wrong (password, database, SSL), or nonsense.
 * Waits are bounded (connect timeout, reconnect attempts) so a run stays short.
 */
const bogusConfig = fc
  .record({
    host: choose([Placeholder.realHost, '127.0.0.1'], ['', 42]),
    port: choose([Placeholder.closedPort, Placeholder.realPort], [0, 70_000, '5432']),
    database: choose([Placeholder.realDatabase, 'no_such_database'], ['']),
    user: choose([Placeholder.realUser, 'no_such_user'], [7]),
    password: choose([Placeholder.realPassword, 'wrong-password', ''], [7]),
    ssl: maybe(choose([false, true, { rejectUnauthorized: false }, { ca: 'not a certificate' }, { key: 'x', cert: 'y' }], ['require', { ca: 1 }])),
    connectionString: maybe(
      choose(['not a url', 'postgres://', 'postgres://u:p@127.0.0.1:1/db?sslmode=require', '%zz', 'host=127.0.0.1 port=1'], [5]),
      3,
    ),
    applicationName: choose([Placeholder.bogusApplicationName], ['x'.repeat(80)]),
    connectionTimeoutMillis: fc.integer({ min: 1, max: 800 }),
    max: maybe(choose([1, 2], [0, -1, 10_001])),
    min: maybe(choose([0, 1], [5])),
    options: fc
      .record({
        autoReconnect: fc.boolean(),
        reconnectInterval: fc.integer({ min: 0, max: 40 }),
        maxReconnectAttempts: fc.integer({ min: 0, max: 2 }),
        transactionIdleTimeout: fc.integer({ min: 1, max: 800 }),
        queryTimeout: maybe(choose([50, 2_000], [0])),
        preparedStatements: maybe(fc.boolean()),
        maxResultRows: maybe(choose([1, 100], [0])),
      })
      .map(dropUndefined),
    logging: maybe(fc.record({ level: choose(['silent', 'warn'], ['loud']), logQueries: fc.boolean() })),
    unexpected: maybe(anyJson, 8),
  })
  .map(dropUndefined);

/** Mostly one of `valid`, sometimes one of `invalid`. */
function choose(valid: unknown[], invalid: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
}
const randomConfig = fc.oneof(
  randomObject.filter((o) => Object.keys(o).length > 0),
  deep.map((d) => ({ host: '127.0.0.1', nested: d })),
  fc.constantFrom<unknown>('config', 5, [1], true),
);

// ── messages ──────────────────────────────────────────────────────────────

const requestId = fc.constantFrom(Placeholder.numericId, Placeholder.stringId);

/** One `execute` request: an operation (known or not), an instance and its config, params for that operation. */
function executeMessage(operations: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  // Operations that end the pool hide what an earlier request left behind (a session
  // still in a transaction, say): keep them rare so the end-of-run checks can see it.
  const resetting: string[] = operations.filter((op) => op === 'disconnect' || op === 'closeAllConnections');
  const others = operations.filter((op) => !resetting.includes(op));
  const operation = fc.oneof(
    { weight: 90, arbitrary: fc.constantFrom(...others) },
    ...(resetting.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...resetting) }] : []),
    { weight: 10, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom<unknown>('', 'toString', '__proto__', 'hasOwnProperty', 12)) },
  );
  const target = fc.oneof(
    { weight: 6, arbitrary: fc.record({ instanceId: fc.constant<unknown>(Placeholder.goodInstance), config: fc.constantFrom<unknown>(Placeholder.goodConfig, undefined) }) },
    { weight: 3, arbitrary: fc.record({ instanceId: fc.nat(3).map<unknown>((n) => `fuzz:bogus-${n}`), config: fc.oneof({ weight: 6, arbitrary: bogusConfig }, randomConfig, fc.constant(undefined)) }) },
    { weight: 1, arbitrary: fc.record({ instanceId: fc.oneof(fc.string({ maxLength: 8 }), nasty), config: fc.oneof(bogusConfig, randomConfig, fc.constant(undefined)) }) },
  );
  return fc
    .tuple(operation, target)
    .chain(([op, t]) =>
      fc.record({
        instanceId: fc.constant(t.instanceId),
        operation: fc.constant(op),
        params: fc.oneof({ weight: 9, arbitrary: typeof op === 'string' ? paramsFor(op) : randomObject }, { weight: 1, arbitrary: fc.constant(undefined) }),
        config: fc.constant(t.config),
        progressToken: maybe(choose(['p', 7, 'token-x'], [null, {}, 1.5]), 3),
        unexpected: maybe(anyJson, 12),
      }),
    )
    .map((params) => ({ jsonrpc: '2.0', id: Placeholder.numericId, method: 'execute', params: dropUndefined(params) }))
    .chain((message) => requestId.map((id) => ({ ...message, id })));
}

/** Other methods: the lifecycle ones (never shutdown or the exit notification: the run ends the worker itself), discovery, heartbeat, unknown. */
const otherRequest = fc
  .record(
    {
      method: fc.oneof(
        fc.constantFrom('initialize', 'rpc.discover', '$/heartbeat', '$/cancelRequest', 'instance/state', '$/progress', 'nope', 'constructor', '__proto__', 'exit'),
        fc.string({ maxLength: 10 }),
      ),
      params: fc.oneof(
        fc.record({ protocolVersion: fc.constantFrom<unknown>(1, 2, '1'), hostName: fc.string({ maxLength: 5 }), logging: fc.record({ level: fc.constantFrom<unknown>('warn', 'error', 'bogus') }) }, { requiredKeys: ['protocolVersion'] }),
        randomObject,
        fc.array(anyJson, { maxLength: 3 }),
      ),
      id: requestId,
    },
    { requiredKeys: ['method', 'id'] },
  )
  .map((m) => ({ jsonrpc: '2.0', ...m, method: m.method === 'shutdown' ? 'shut-down' : m.method }));

/** Notifications: cancellation of an earlier request (often still running), unknown ones. */
const notification = fc.oneof(
  { weight: 3, arbitrary: fc.nat(6).map((n) => ({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: `${Placeholder.previousRequest}${n}` } })) },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom('$/cancelRequest', 'initialized', '$/setTrace', 'execute', 'whatever'), params: fc.oneof(randomObject, fc.constant({ id: null })) }) },
);

/** Responses sent to the worker, which never asked anything. */
const strayResponse = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.oneof(fc.integer(), fc.constant(null)), result: anyJson }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), error: fc.record({ code: fc.integer(), message: fc.string({ maxLength: 5 }) }) }),
);

/** A message with its JSON-RPC envelope broken in one way. */
function broken(message: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const badIds: unknown[] = [1.5, true, {}, [1], -0.25, null];
  return fc.tuple(message, fc.nat(7), anyJson, fc.nat(badIds.length - 1)).map(([m, how, junk, badId]) => {
    switch (how) {
      case 0:
        return { ...m, jsonrpc: junk === '2.0' ? '1.0' : junk };
      case 1: {
        const { jsonrpc: _drop, ...rest } = m;
        return rest;
      }
      case 2:
        return { ...m, id: badIds[badId] };
      case 3:
        return { ...m, method: typeof junk === 'string' && junk.length > 0 ? 7 : junk };
      case 4:
        return { ...m, params: typeof junk === 'object' && junk !== null ? 'params' : junk };
      case 5:
        return { ...m, extra: junk };
      case 6:
        return [m, m]; // a batch: not supported, must be refused as one invalid message
      default:
        return { ...m, result: junk }; // request and response at once
    }
  });
}

/** A frame body: mostly messages, some JSON that is not JSON-RPC, some bytes that are not JSON or not UTF-8. */
export function frameArbitrary(operations: readonly string[]): fc.Arbitrary<Frame> {
  const execute = executeMessage(operations);
  const message = fc.oneof(
    { weight: 10, arbitrary: execute as fc.Arbitrary<unknown> },
    { weight: 2, arbitrary: otherRequest },
    { weight: 2, arbitrary: notification },
    { weight: 1, arbitrary: strayResponse },
    { weight: 2, arbitrary: broken(execute) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: deep },
  );
  const invalidUtf8 = fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]);
  const body: fc.Arbitrary<FrameBody> = fc.oneof(
    { weight: 20, arbitrary: message.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: fc.tuple(message, fc.double({ min: 0, max: 0.99, noNaN: true })).map(([value, cutAt]) => ({ kind: 'json' as const, value, cutAt })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(message, fc.double({ min: 0, max: 1, noNaN: true }), invalidUtf8)
        .map(([value, at, bytes]) => ({ kind: 'json' as const, value, badUtf8: { at, bytes } })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((text) => ({ kind: 'text' as const, text })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '"2.0"', '\ufeff{"jsonrpc":"2.0","method":"x"}', '{"jsonrpc":"2.0","id":1,"method":"a"}{}').map((text) => ({ kind: 'text' as const, text })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((bytes) => ({ kind: 'bytes' as const, bytes: [...bytes] })) },
  );
  const header = fc.constantFrom<HeaderStyle>('plain', 'plain', 'plain', 'lowercase', 'with-content-type', 'content-type-first', 'padded', 'leading-zeros');
  return fc.record({ header, body });
}

/**
 * Bytes after which Content-Length framing can't be recovered: the worker must
 * exit (code 1) rather than guess. Each starts where a header is expected.
 */
export const framingBreaker: fc.Arbitrary<{ name: string; bytes: string }> = fc.oneof(
  fc.constantFrom(
    { name: 'non-numeric length', bytes: 'Content-Length: abc\r\n\r\n{}' },
    { name: 'negative length', bytes: 'Content-Length: -5\r\n\r\n' },
    { name: 'exponent length', bytes: 'Content-Length: 1e3\r\n\r\n' },
    { name: 'huge length', bytes: 'Content-Length: 99999999999\r\n\r\n' },
    { name: 'sixteen digits', bytes: 'Content-Length: 1234567890123456\r\n\r\n' },
    { name: 'no Content-Length', bytes: 'Content-Type: application/json\r\n\r\n{}' },
    { name: 'empty header block', bytes: '\r\n\r\n' },
    { name: 'JSON where a header belongs', bytes: '{"jsonrpc":"2.0","id":1,"method":"initialize"}\r\n\r\n' },
    { name: 'header never ends', bytes: 'X'.repeat(9_000) },
    { name: 'newline framing', bytes: 'Content-Length: 2\n\n{}' + 'y'.repeat(9_000) },
  ),
  fc
    .string({ maxLength: 40 })
    .filter((s) => !s.includes(':') && !s.includes('\r\n\r\n') && !s.endsWith('\r') && !s.endsWith('\r\n\r'))
    .map((junk) => ({ name: `header line without a colon ${JSON.stringify(junk)}`, bytes: `${junk}\r\n\r\n` })),
);

/** JSON text of a message, with deep-nesting tokens expanded. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000deep:(\d+)"/g, (_match, n: string) => '['.repeat(Number(n)) + '1' + ']'.repeat(Number(n)));
}

/**
 * Replaces every placeholder string (see {@link Placeholder}) by what `resolve`
 * returns for it, in document order; other values are copied as they are.
 */
export function fillPlaceholders(value: unknown, resolve: (token: string) => unknown): unknown {
  if (typeof value === 'string') return value.startsWith('\u0000') && !value.startsWith(DEEP) ? resolve(value) : value;
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, resolve));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, resolve)]));
  }
  return value;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
