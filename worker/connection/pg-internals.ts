import pg from 'pg';
import { serialize } from 'pg-protocol';
import type { SessionTls } from '../../shared/protocol';

/**
 * The one place that reaches into `pg`'s internals: members node-postgres
 * has at runtime but not in its typings (the backend key for a cancel, the
 * prepared-statement memory of a connection, its socket, pipeline mode,
 * ReadyForQuery). A `pg` upgrade is checked here and nowhere else; see
 * docs/architecture.md ("pg's internals").
 */

/** What is needed to address a backend with a CancelRequest. */
export interface CancelTarget {
  host?: string;
  port?: number;
  processID: number | null;
  secretKey: number | null;
}

/** PostgreSQL's ReadyForQuery status: idle, in a transaction, or in a failed transaction. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** The parts of pg's Connection used here (not in pg's typings). */
interface Connection extends NodeJS.EventEmitter {
  parsedStatements: Record<string, unknown>;
  stream: NodeJS.WritableStream & { cork(): void; uncork(): void };
}

interface ClientInternals {
  connection: Connection;
  ssl: unknown;
  processID: number | null;
  secretKey: number | null;
  host?: string;
  port?: number;
  pipeline: boolean;
}

function internals(client: pg.ClientBase): ClientInternals {
  return client as unknown as ClientInternals;
}

/** The backend of `client`, for a CancelRequest on a fresh connection. */
export function cancelTargetOf(client: pg.ClientBase): CancelTarget {
  const c = internals(client);
  const target: CancelTarget = { processID: c.processID, secretKey: c.secretKey };
  if (c.host !== undefined) target.host = c.host;
  if (c.port !== undefined) target.port = c.port;
  return target;
}

/**
 * How the session verified its server over TLS (pg goes on only over TLS once
 * `ssl` is configured), or false. The CA, servername and rejectUnauthorized only:
 * never the client's key or certificate.
 */
export function tlsOf(client: pg.ClientBase): SessionTls | false {
  const ssl = internals(client).ssl as false | true | { rejectUnauthorized?: unknown; ca?: unknown; servername?: unknown } | undefined;
  if (!ssl) return false;
  if (ssl === true) return {};
  const out: SessionTls = {};
  if (typeof ssl.rejectUnauthorized === 'boolean') out.rejectUnauthorized = ssl.rejectUnauthorized;
  if (typeof ssl.servername === 'string') out.servername = ssl.servername;
  const pem = (value: unknown): string | undefined => (typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString() : undefined);
  if (Array.isArray(ssl.ca)) out.ca = ssl.ca.map(pem).filter((c): c is string => c !== undefined);
  else if (pem(ssl.ca) !== undefined) out.ca = pem(ssl.ca)!;
  return out;
}

/** Makes pg forget one statement it prepared on this session (it then sends Parse again). */
export function forgetPreparedStatement(client: pg.ClientBase, name: string): void {
  delete internals(client).connection.parsedStatements[name];
}

/** Makes pg forget every statement it prepared on this session (after `DISCARD ALL`). */
export function forgetPreparedStatements(client: pg.ClientBase): void {
  internals(client).connection.parsedStatements = {};
}

/** Calls `listener` with the status of every ReadyForQuery of the session; returns the unsubscribe. */
export function onReadyForQuery(client: pg.ClientBase, listener: (status: string | undefined) => void): () => void {
  const connection = internals(client).connection;
  const handler = (msg: { status?: string }): void => listener(msg.status);
  connection.on('readyForQuery', handler);
  return () => connection.off('readyForQuery', handler);
}

/**
 * Calls `listener` once the server (or a pooler) sends an ErrorResponse of
 * severity FATAL or PANIC: it ends the session, though the socket may close
 * only after pg has answered the statement with that error.
 */
export function onSessionEnding(client: pg.ClientBase, listener: () => void): void {
  internals(client).connection.on('errorMessage', (msg: { severity?: string }) => {
    if (msg.severity === 'FATAL' || msg.severity === 'PANIC') listener();
  });
}

/** pg's pipeline mode: queries are sent at once, each with its own Sync, answered in order. */
export function setPipelineMode(client: pg.ClientBase, on: boolean): void {
  internals(client).pipeline = on;
}

/** The session's socket, whose writes can be corked so that several queries leave in one write. */
export function socketOf(client: pg.ClientBase): { cork(): void; uncork(): void } {
  return internals(client).connection.stream;
}

/** A query object pg runs like any other (a `pg.Query`, or a submittable such as CopyIn). */
export interface Submittable {
  submit(connection: unknown): void;
}

/** Hands a submittable to pg's queue; its own callbacks report the outcome. */
export function submit(client: pg.ClientBase, query: Submittable | pg.Query): void {
  void client.query(query as unknown as pg.QueryConfig);
}

/** A `pg.Query` with a node-style callback (pg's typings lack this constructor form). */
export function pipelinedQuery(config: pg.QueryConfig, callback: (error: Error | undefined, result: pg.QueryResult) => void): pg.Query {
  return new pg.Query(config, undefined, callback);
}

/** The parts of pg's Connection a submittable that writes its own messages uses (not in pg's typings). */
interface ProtocolConnection {
  parsedStatements: Record<string, unknown>;
  stream: { writable: boolean; write(bytes: Buffer): boolean };
}

/** A server-side prepared statement: its name and its text. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** Bytes of preparedThenValue's groups, by the statements' names and how each is sent. */
const groupBytes = new Map<string, Buffer>();
const GROUPS_KEPT = 64;

/**
 * How a group sends a statement: Bind only (the session has it), Parse first (it hasn't), or
 * Close, then Parse: after a failed group that parsed it, the server may have kept it, and a
 * second Parse would collide (42P05; a Close of no statement is no error). Only then: a Parse
 * that collides is how a pooler nobody declared shows itself. UNCERTAIN marks that state.
 */
type Sending = 'B' | 'P' | 'C';
const UNCERTAIN = false;

function sendingOf(parsed: Record<string, unknown>, name: string): Sending {
  const state = parsed[name];
  return state === undefined ? 'P' : state === UNCERTAIN ? 'C' : 'B';
}

/** The protocol messages of the named statements `first` and `value` under one Sync, built once per names and sendings with pg's own serializer. */
function groupOf(first: NamedStatement, value: NamedStatement, sendFirst: Sending, sendValue: Sending): Buffer {
  const key = `${sendFirst}${sendValue}${first.name}\0${value.name}`;
  let bytes = groupBytes.get(key);
  if (bytes === undefined) {
    const parts: Buffer[] = [];
    for (const [statement, sending] of [[first, sendFirst], [value, sendValue]] as const) {
      if (sending === 'C') parts.push(serialize.close({ type: 'S', name: statement.name }));
      if (sending !== 'B') parts.push(serialize.parse({ text: statement.text, name: statement.name }));
      parts.push(serialize.bind({ statement: statement.name }), serialize.execute({}));
    }
    parts.push(serialize.sync());
    bytes = Buffer.concat(parts);
    if (groupBytes.size >= GROUPS_KEPT) groupBytes.clear();
    groupBytes.set(key, bytes);
  }
  return bytes;
}

/**
 * A prepared statement without parameters followed by a prepared one-value query under one
 * Sync (extended protocol): one write, one answer from the server, one ReadyForQuery, and
 * no statement parsed again once the session has both. Each is parsed the first time on a
 * session; pg then records it like its own. `done` gets the first column of the query's
 * row (text), or the error. pg hands an ErrorResponse to the query and then forgets it, so
 * the group's ReadyForQuery reaches it only when both ran, and a session lost mid-group
 * answers with its error at once. After an error, a statement the group parsed is recorded
 * as uncertain: the server may have kept it (the error came later) or not.
 */
export function preparedThenValue(first: NamedStatement, value: NamedStatement, done: (error: Error | undefined, value: string | null) => void): Submittable {
  return new PreparedThenValue(first, value, done);
}

/** preparedThenValue's submittable: one object per call, its handlers on the prototype. */
class PreparedThenValue implements Submittable {
  private result: string | null = null;
  private connection: ProtocolConnection | undefined = undefined;
  private parses = false;

  constructor(
    private readonly first: NamedStatement,
    private readonly value: NamedStatement,
    private readonly done: (error: Error | undefined, value: string | null) => void,
  ) {}

  submit(c: unknown): null {
    const connection = (this.connection = c as ProtocolConnection);
    const sendFirst = sendingOf(connection.parsedStatements, this.first.name);
    const sendValue = sendingOf(connection.parsedStatements, this.value.name);
    this.parses = sendFirst !== 'B' || sendValue !== 'B';
    if (connection.stream.writable) connection.stream.write(groupOf(this.first, this.value, sendFirst, sendValue));
    return null;
  }

  handleRowDescription(): void {}

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.result = msg.fields[0] ?? null;
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handleError(error: Error): void {
    if (this.parses) this.recordUncertain();
    this.done(error, null);
  }

  handleReadyForQuery(): void {
    this.connection!.parsedStatements[this.first.name] = this.first.text;
    this.connection!.parsedStatements[this.value.name] = this.value.text;
    this.done(undefined, this.result);
  }

  /** Each statement not known to be on the server (it was parsed in this group) may now be there. */
  private recordUncertain(): void {
    const parsed = this.connection!.parsedStatements;
    for (const statement of [this.first, this.value]) if (parsed[statement.name] === undefined) parsed[statement.name] = UNCERTAIN;
  }
}

/** Results of a simple-protocol query: one result, or one per statement of a script. */
export async function simpleQuery(client: pg.ClientBase, text: string): Promise<pg.QueryResult> {
  const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(results) ? results[results.length - 1]! : results;
}

/** pg-types' array parser (its typings describe an older signature). */
export const arrayParser = pg.types.arrayParser as unknown as {
  create(source: string, transform: (entry: string | null) => unknown): { parse(): unknown[] };
};

/** A `types` object in the shape pg's pool config takes. */
export function asCustomTypes(types: { getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown }): pg.CustomTypesConfig {
  return types as unknown as pg.CustomTypesConfig;
}

/** Options of an extended-protocol query beyond its text and values. */
export interface ExtendedQueryOptions {
  /** Server-side prepared statement name; unnamed when absent. */
  name?: string | undefined;
  rowMode?: 'array' | 'object' | undefined;
}

/**
 * The config of a query on the extended protocol, which refuses a second
 * statement stacked after the first (`SELECT 1; DROP …`): one statement per
 * text, whatever the caller wrote. pg's typings lack `queryMode`.
 */
export function extendedQuery(text: string, values?: readonly unknown[], options?: ExtendedQueryOptions): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: 'extended'; rowMode?: 'array' } = { text, queryMode: 'extended' };
  if (values !== undefined) config.values = values as unknown[];
  if (options?.name !== undefined) config.name = options.name;
  if (options?.rowMode === 'array') config.rowMode = 'array';
  return config;
}

/** Runs one statement on the extended protocol (see {@link extendedQuery}). */
export function runExtended<Row extends pg.QueryResultRow = pg.QueryResultRow>(client: pg.ClientBase, text: string, values?: readonly unknown[]): Promise<pg.QueryResult<Row>> {
  return client.query<Row>(extendedQuery(text, values));
}

/** The parts of pg-pool's Pool used to close one idle client (not in its typings). */
interface PoolInternals {
  /** Idle clients, pushed on release and popped on checkout: the first has idled longest. */
  _idle: { client: pg.PoolClient }[];
  _remove(client: pg.PoolClient, callback?: () => void): void;
}

/**
 * Closes the pool's longest-idle client the way its own idle timeout does;
 * resolves once the connection is gone. Undefined when no client is idle.
 */
export function closeLongestIdle(pool: pg.Pool): Promise<void> | undefined {
  const internals = pool as unknown as PoolInternals;
  const item = internals._idle[0];
  if (!item) return undefined;
  return new Promise<void>((resolve) => internals._remove(item.client, resolve));
}

/** Whether a pg-cursor has read its result to the end or failed: its portal is closed and the session answers other queries again. */
export function cursorFinished(cursor: object): boolean {
  const state = (cursor as unknown as { state?: string }).state;
  return state === 'done' || state === 'error';
}
