import type { Attributes } from '@opentelemetry/api';
import { normalizeConfig, pluginConfigSchema } from '../../shared/config-schema';

/** Where an instance's statements go, from its config: `db.namespace`, `server.address`, `server.port`. */
export function endpointAttributes(config: Record<string, unknown>): Attributes {
  const parsed = pluginConfigSchema.safeParse(config);
  if (!parsed.success) return {};
  const connection = normalizeConfig(parsed.data).connection;
  let { host, port, database } = connection;
  if (connection.connectionString !== undefined) {
    try {
      const url = new URL(connection.connectionString);
      host ??= decodeURIComponent(url.hostname) || undefined;
      port ??= url.port ? Number(url.port) : undefined;
      database ??= decodeURIComponent(url.pathname.slice(1)) || undefined;
    } catch {
      // Not a URL: the worker refuses it; nothing to say about the endpoint.
    }
  }
  const attributes: Attributes = { 'server.address': host ?? 'localhost', 'server.port': port ?? 5432 };
  if (database !== undefined) attributes['db.namespace'] = database;
  return attributes;
}

/** The SQL command of the CRUD operations, for `db.operation.name`. */
const CRUD_COMMANDS: Readonly<Record<string, string>> = {
  insert: 'INSERT',
  update: 'UPDATE',
  delete: 'DELETE',
  find: 'SELECT',
  findOne: 'SELECT',
  count: 'SELECT',
  batchInsert: 'COPY',
};

const SQL_OPERATIONS = new Set(['query', 'queryOne', 'queryValue', 'execute', 'openCursor']);

/** Leading keyword of a statement, past comments and spaces (`WITH …` stays `WITH`: the host doesn't parse SQL). */
function leadingKeyword(sql: string): string | undefined {
  const match = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql);
  return match?.[1]?.toUpperCase();
}

/**
 * The semantic-convention attributes of one call that the host can know
 * without parsing SQL: `db.operation.name` (the statement's leading keyword,
 * the SQL command of a CRUD operation, else the plugin operation),
 * `db.collection.name` (the table of CRUD, batch and schema operations),
 * `db.query.summary`, and `db.query.text` as sent, with its placeholders.
 * Parameter values are added only when `captureParameters` is on.
 */
export function operationAttributes(operation: string, params: Record<string, unknown> | undefined, captureParameters: boolean): Attributes {
  const attributes: Attributes = { 'db.system.name': 'postgresql' };
  const sql = typeof params?.sql === 'string' ? params.sql : undefined;
  const table = typeof params?.table === 'string' ? params.table : undefined;
  let name: string | undefined = CRUD_COMMANDS[operation];
  if (sql !== undefined && SQL_OPERATIONS.has(operation)) {
    name = leadingKeyword(sql);
    attributes['db.query.text'] = sql;
    if (captureParameters && Array.isArray(params?.params)) parameterAttributes(attributes, params.params);
  } else if (operation === 'transaction' && Array.isArray(params?.operations)) {
    const statements = params.operations as { sql?: unknown }[];
    attributes['db.query.text'] = statements.map((s) => (typeof s?.sql === 'string' ? s.sql : '')).join('; ');
    attributes['db.operation.batch.size'] = statements.length;
  }
  name ??= operation;
  attributes['db.operation.name'] = name;
  if (table !== undefined) attributes['db.collection.name'] = table;
  attributes['db.query.summary'] = table !== undefined ? `${name} ${table}` : name;
  return attributes;
}

function parameterAttributes(attributes: Attributes, values: unknown[]): void {
  values.forEach((value, i) => {
    attributes[`db.query.parameter.${i}`] = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  });
}
