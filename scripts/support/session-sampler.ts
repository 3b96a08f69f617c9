import pg from 'pg';
import type { ServerLogin } from './tenant-logins';

/**
 * Samples how many sessions of the server match `where` (a condition on
 * pg_stat_activity) every `everyMs` from its own connection, keeping the peak.
 */
export async function sampleSessions(
  server: ServerLogin,
  where: string,
  everyMs = 10,
): Promise<{ peak(): number; now(): Promise<number>; stop(): Promise<number> }> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', application_name: 'session-sampler' });
  await client.connect();
  const count = async (): Promise<number> => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${where}`)).rows[0]!.n;
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await count());
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    peak: () => peak,
    now: count,
    async stop() {
      running = false;
      await loop;
      await client.end();
      return peak;
    },
  };
}
