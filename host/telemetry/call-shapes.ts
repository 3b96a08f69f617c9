import type { Attributes } from '@opentelemetry/api';
import { endpointAttributes, operationAttributes } from './operation-attributes';
import type { InstanceTotals } from './telemetry-snapshot';

/** What every call of one kind (operation and statement or table) on one instance has in common, worked out once. */
export interface CallShape {
  /** The span's name, `db.query.summary`. */
  readonly name: string;
  /** The span's attributes; the SDK copies what it is given, so one object serves every call. */
  readonly span: Attributes;
  /** `db.client.operation.duration` attributes of a call that succeeded. */
  readonly metric: Attributes;
  /** Those of a call that failed, by error type (made on the first failure of each). */
  readonly failed: Map<string, Attributes>;
}

const SQL_OPERATIONS = new Set(['query', 'queryOne', 'queryValue', 'execute', 'openCursor']);
/** Kinds of call remembered per instance; past it the instance starts over (an application that builds its SQL per call gains nothing from remembering). */
const MAX_SHAPES = 512;
const METRIC_KEYS = ['db.namespace', 'server.address', 'server.port', 'db.collection.name'] as const;

/**
 * One instance as the telemetry sees it: its endpoint attributes (from the
 * config it was last called with), its totals for the plain snapshot, and
 * the shapes of the calls it has served, so a call of a known kind builds
 * no attribute object, hashes no key and runs no regular expression.
 */
export class InstanceEndpoint {
  /** `{ db.client.connection.pool.name }`: the attributes of the per-pool metrics. */
  readonly pool: Attributes;
  private attributes: Attributes = {};
  private config: Record<string, unknown> | undefined;
  private readonly shapes = new Map<string, Map<string, CallShape>>();
  private size = 0;

  constructor(
    readonly pluginName: string,
    readonly instanceId: string,
    readonly totals: InstanceTotals,
  ) {
    this.pool = { 'db.client.connection.pool.name': instanceId };
  }

  /** Whether a config has been seen: only such instances are asked for pool figures. */
  get configured(): boolean {
    return this.config !== undefined;
  }

  /** Takes the config of a call: a different object than last time is read again (and the shapes start over). */
  configure(config: Record<string, unknown> | undefined): void {
    if (config === undefined || config === this.config) return;
    this.config = config;
    this.attributes = endpointAttributes(config);
    this.shapes.clear();
    this.size = 0;
  }

  /** The shape of a call; a `transaction` (its text is all its statements) and parameter capture are worked out per call. */
  shape(operation: string, params: Record<string, unknown> | undefined, captureParameters: boolean): CallShape {
    const sql = SQL_OPERATIONS.has(operation) && typeof params?.sql === 'string' ? params.sql : undefined;
    const table = typeof params?.table === 'string' ? params.table : undefined;
    const capturing = captureParameters && sql !== undefined && Array.isArray(params?.params);
    if (operation === 'transaction' || capturing || (sql !== undefined && table !== undefined)) return this.make(operation, params, captureParameters);
    let byKey = this.shapes.get(operation);
    if (byKey === undefined) this.shapes.set(operation, (byKey = new Map()));
    const key = sql ?? table ?? '';
    let shape = byKey.get(key);
    if (shape === undefined) {
      if (this.size >= MAX_SHAPES) {
        this.shapes.clear();
        this.shapes.set(operation, byKey);
        byKey.clear();
        this.size = 0;
      }
      shape = this.make(operation, params, false);
      byKey.set(key, shape);
      this.size++;
    }
    return shape;
  }

  private make(operation: string, params: Record<string, unknown> | undefined, captureParameters: boolean): CallShape {
    const span: Attributes = { ...this.attributes, ...operationAttributes(operation, params, captureParameters), ...this.pool };
    const metric: Attributes = { 'db.system.name': 'postgresql', 'db.operation.name': span['db.operation.name'], ...this.pool };
    for (const key of METRIC_KEYS) if (span[key] !== undefined) metric[key] = span[key];
    return { name: String(span['db.query.summary']), span, metric, failed: new Map() };
  }
}

/** The duration metric's attributes of a failed call of `shape`: `error.type`, and the SQLSTATE when there is one. */
export function failedMetric(shape: CallShape, errorType: string, sqlState: string | undefined): Attributes {
  const key = sqlState === undefined ? `code:${errorType}` : `sqlstate:${sqlState}`;
  let attributes = shape.failed.get(key);
  if (attributes === undefined) {
    attributes = { ...shape.metric, 'error.type': errorType };
    if (sqlState !== undefined) attributes['db.response.status_code'] = sqlState;
    shape.failed.set(key, attributes);
  }
  return attributes;
}
