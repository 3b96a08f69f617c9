/**
 * Another client fills the server to max_connections (SQLSTATE 53300 for
 * every new session): requests answer the retryable POSTGRES_POOL_EXHAUSTED
 * with a hint within their timeout, after autoReconnect retried them; the
 * worker stays up; a slot freed during the retries is taken; once the other
 * client leaves, everything succeeds again.
 */
import pg from 'pg';
import type { PluginManager } from '../../host';
import { quietManager } from '../support/managers';
import { startOwnServer, type OwnServer } from '../support/own-server';
import { createTenantLogins, type TenantLogin } from '../../scripts/support/tenant-logins';

const MAX_CONNECTIONS = 12;
const TIMEOUT_MS = 3000;

let server: OwnServer;
let logins: TenantLogin[];
let plugins: PluginManager;
const states: string[] = [];
beforeAll(async () => {
  server = await startOwnServer(['-c', `max_connections=${MAX_CONNECTIONS}`]);
  logins = await createTenantLogins(server, 4, 'app_');
  plugins = quietManager('fatal');
  plugins.on('instanceState', (e: { instanceId: string; state: string }) => states.push(`${e.instanceId} ${e.state}`));
}, 60_000);
afterAll(async () => {
  await plugins?.shutdown();
  await server?.stop();
});

function configOf(i: number): Record<string, unknown> {
  return { host: server.host, port: server.port, database: 'postgres', ...logins[i]!, options: { reconnectInterval: 200, maxReconnectAttempts: 4 } };
}

/** Superuser sessions until the server refuses one: every slot, the reserved ones too. */
async function fillServer(): Promise<pg.Client[]> {
  const held: pg.Client[] = [];
  for (;;) {
    const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      expect((error as { code?: string }).code).toBe('53300');
      return held;
    }
    held.push(client);
  }
}

const query = (i: number) => plugins.executePlugin('postgres-plugin', `app-${i}:db`, configOf(i), 'queryValue', { sql: 'SELECT current_user', timeout: TIMEOUT_MS });

test('a full server: retryable POSTGRES_POOL_EXHAUSTED with a hint, within the timeout, after retries; the worker stays up; then all succeed again', async () => {
  expect(await query(0)).toEqual({ success: true, data: 'app_0' });
  const pid = plugins.workerPid();
  // The first instance's pooled connection stays usable; new sessions are refused.
  await plugins.executePlugin('postgres-plugin', 'app-0:db', undefined, 'closeAllConnections', {});
  const others = await fillServer();
  expect(others.length).toBeGreaterThan(MAX_CONNECTIONS - 4);
  try {
    const started = Date.now();
    const answers = await Promise.all([0, 1, 2].map(query));
    const elapsed = Date.now() - started;
    for (const answer of answers) {
      expect(answer.success).toBe(false);
      if (answer.success) continue;
      expect(answer.error).toMatchObject({
        code: 'POSTGRES_POOL_EXHAUSTED',
        retryable: true,
        details: { reason: 'server-full', sqlState: '53300', attempts: 5 },
      });
      expect(answer.error.details.hint).toMatch(/max_connections/);
    }
    expect(elapsed).toBeLessThan(TIMEOUT_MS);
    expect(states).toContain('app-1:db reconnecting');
    expect(plugins.workerPid()).toBe(pid);

    // A slot freed while the request retries is taken: the request succeeds.
    const pending = query(3);
    await new Promise((r) => setTimeout(r, 300));
    // superuser_reserved_connections (3) stay out of reach of an ordinary login: free 4.
    await Promise.all(others.splice(0, 4).map((c) => c.end()));
    expect(await pending).toEqual({ success: true, data: 'app_3' });
  } finally {
    await Promise.all(others.map((c) => c.end()));
  }
  expect(await Promise.all([0, 1, 2].map(query))).toEqual([0, 1, 2].map((i) => ({ success: true, data: `app_${i}` })));
  expect(plugins.workerPid()).toBe(pid);
}, 60_000);
