/**
 * The thousand-tenants fixture: a server whose max_connections is 200 and a
 * thousand logins on it (SCRAM with one iteration, see tenant-logins, so a run
 * pays for a thousand connections, not for a thousand slow hashes), and one
 * `SELECT current_user` per tenant, 50 in flight, through a PluginManager.
 */
import type { PluginManager } from '../../host';
import { startOwnServer, type OwnServer } from './own-server';
import { createTenantLogins, type TenantLogin } from '../../scripts/support/tenant-logins';

export const TENANTS = 1000;
export const IN_FLIGHT = 50;
/** The PluginManager's default maxServerConnections. */
export const BUDGET = 100;
/** Tenants 0..9 keep one connection (pool.min 1) after the idle period. */
export const WITH_MIN = 10;
/** pg_stat_activity's filter for the tenants' sessions. */
export const TENANT_SESSIONS = "usename LIKE 'tenant\\_%'";

export interface ThousandTenants {
  server: OwnServer;
  logins: TenantLogin[];
  /** Tenant `i`'s config; `options` go in as its `options`. */
  configOf(i: number, options?: Record<string, unknown>): Record<string, unknown>;
  /** One `SELECT current_user` per tenant, `IN_FLIGHT` at a time; the answers by tenant and the failures. */
  oneRequestEach(plugins: PluginManager, instanceIdOf: (i: number) => string, options?: Record<string, unknown>): Promise<{ answers: unknown[]; failures: string[] }>;
}

export async function openThousandTenants(): Promise<ThousandTenants> {
  const server = await startOwnServer(['-c', 'max_connections=200']);
  const logins = await createTenantLogins(server, TENANTS);
  const configOf = (i: number, options: Record<string, unknown> = {}): Record<string, unknown> => {
    const { user, password } = logins[i]!;
    return { host: server.host, port: server.port, database: 'postgres', user, password, pool: { idleTimeoutMillis: 1000, min: i < WITH_MIN ? 1 : 0 }, options };
  };
  const oneRequestEach: ThousandTenants['oneRequestEach'] = async (plugins, instanceIdOf, options) => {
    const answers: unknown[] = new Array(TENANTS);
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < TENANTS; i = next++) {
          const res = await plugins.executePlugin('postgres-plugin', instanceIdOf(i), configOf(i, options), 'queryValue', { sql: 'SELECT current_user' });
          if (res.success) answers[i] = res.data;
          else failures.push(`${i}: ${res.error.code} ${res.error.message}`);
        }
      }),
    );
    return { answers, failures };
  };
  return { server, logins, configOf, oneRequestEach };
}
