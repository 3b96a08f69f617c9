import crypto from 'node:crypto';
import pg from 'pg';
import type { PluginManager } from '../../host';
import { sendCancelRequest } from '../../host/backend-cancel';
import { faultyManager, waitFor } from '../support/managers';
import { ownServerConfig, startOwnServer, type OwnServer } from '../support/own-server';
import { countSessions } from '../support/server-activity';
import { closeSuite } from '../support/suite-setup';
import { makeCertificate } from '../support/test-certificates';
import { recordWorkerEvents } from '../support/worker-events';

// A worker's statements must stop on the server when it dies, by the host's CancelRequests alone:
// client_connection_check_interval (14+) is switched off here, so these pass the same on 12.
const NO_SERVER_CHECK = { options: { connectionCheckInterval: 0 } };

interface Scenario {
  server: OwnServer;
  plugins: PluginManager;
  config: Record<string, unknown>;
  admin: pg.Pool;
}

/** The statement is gone from the server within 1 s of the SIGKILL. */
async function killAndExpectGone(s: Scenario, queryLike: string): Promise<number> {
  expect(await waitFor(async () => (await countSessions(s.admin, { queryLike, state: 'active' })) === 1, 5000)).toBe(true);
  const pid = s.plugins.workerPid()!;
  process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  expect(await waitFor(async () => (await countSessions(s.admin, { queryLike })) === 0, 1000, 10)).toBe(true);
  return killedAt;
}

function scenarios(name: string, open: () => Promise<Scenario>): void {
  describe(name, () => {
    let s: Scenario;
    beforeAll(async () => {
      s = await open();
      await s.admin.query('CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL)');
      await s.admin.query('INSERT INTO items VALUES (1, 0)');
    });
    afterAll(async () => {
      await s?.admin.end();
      await closeSuite({ plugins: s?.plugins, server: s?.server });
    });

    test('SIGKILL during SELECT pg_sleep(30): the statement is gone from pg_stat_activity within 1 s', async () => {
      const events = recordWorkerEvents(s.plugins);
      const sleeping = s.plugins.executePlugin('postgres-plugin', 'sleep', s.config, 'query', { sql: 'SELECT pg_sleep(30)', timeout: 60_000 });
      await killAndExpectGone(s, 'SELECT pg_sleep(30)%');
      expect((await sleeping).success === false && (await sleeping)).toMatchObject({ error: { code: 'POSTGRES_WORKER_CRASHED' } });
      await waitFor(() => events.events.some((e) => e.type === 'sessions-cancelled'), 2000);
      events.stop();
      const cancelled = events.events.find((e) => e.type === 'sessions-cancelled');
      expect(cancelled).toMatchObject({ failed: 0 });
      expect(cancelled && cancelled.type === 'sessions-cancelled' && cancelled.sent).toBeGreaterThanOrEqual(1);
    });

    test('SIGKILL while an UPDATE holds a row lock inside a handle: gone within 1 s, and another session updates the row within 1 s', async () => {
      const begun = await s.plugins.executePlugin<{ transactionId: string }>('postgres-plugin', 'lock', s.config, 'beginTransaction', {});
      if (!begun.success) throw new Error(begun.error.message);
      const { transactionId } = begun.data;
      const updating = s.plugins.executePlugin('postgres-plugin', 'lock', s.config, 'query', {
        sql: 'UPDATE items SET n = n + 1 WHERE id = 1 RETURNING pg_sleep(30)',
        transactionId,
        timeout: 60_000,
      });
      await killAndExpectGone(s, 'UPDATE items SET n = n + 1%');
      expect((await updating).success).toBe(false);
      // The lock went with the rolled-back transaction: another session gets the row at once.
      const other = await s.admin.connect();
      try {
        await other.query("SET lock_timeout = '1s'");
        const started = Date.now();
        await other.query('UPDATE items SET n = 100 WHERE id = 1');
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        other.release();
      }
      expect((await s.admin.query('SELECT n FROM items WHERE id = 1')).rows[0].n).toBe(100);
    });

    test('a clean shutdown sends no cancels and leaves no session', async () => {
      const plugins = faultyManager();
      const events = recordWorkerEvents(plugins);
      expect((await plugins.executePlugin('postgres-plugin', 'calm', s.config, 'queryValue', { sql: 'SELECT 1' })).success).toBe(true);
      await plugins.shutdown();
      events.stop();
      expect(events.events.filter((e) => e.type === 'exit')).toEqual([expect.objectContaining({ reason: 'shutdown', expected: true })]);
      expect(events.events.some((e) => e.type === 'sessions-cancelled' || (e.type === 'exit' && e.report))).toBe(false);
    });
  });
}

scenarios('plain TCP', async () => {
  const server = await startOwnServer();
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });
  admin.on('error', () => undefined);
  return { server, admin, plugins: faultyManager(), config: ownServerConfig(server, NO_SERVER_CHECK) };
});

// The server takes TCP only over SSL; the host's cancels go over TLS verified against the same CA.
const ca = makeCertificate({ commonName: 'cancel-on-death CA', isCa: true });
const otherCa = makeCertificate({ commonName: 'some other CA', isCa: true });
const serverCert = makeCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], issuer: ca });
const PASSWORD = crypto.randomBytes(12).toString('hex');

scenarios('SSL-only server', async () => {
  const server = await startOwnServer(['--password', PASSWORD, '--auth', 'scram-sha-256'], {
    files: { 'server.crt': serverCert.cert, 'server.key': serverCert.key },
    postgresFlags: ['-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key'],
    hba: ['local all all scram-sha-256', 'hostnossl all all 0.0.0.0/0 reject', 'hostssl all all 127.0.0.1/32 scram-sha-256'],
  });
  const ssl = { ca: ca.cert };
  const admin = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: PASSWORD, database: 'postgres', ssl, max: 2 });
  admin.on('error', () => undefined);
  return { server, admin, plugins: faultyManager(), config: ownServerConfig(server, { password: PASSWORD, ssl, ...NO_SERVER_CHECK }) };
});

describe('the host cancel request over TLS', () => {
  let server: OwnServer;
  beforeAll(async () => {
    server = await startOwnServer([], {
      files: { 'server.crt': serverCert.cert, 'server.key': serverCert.key },
      postgresFlags: ['-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key'],
    });
  });
  afterAll(() => closeSuite({ server }));

  test('verifies the server as the session did: the right CA cancels, another CA is refused before anything is sent', async () => {
    const client = new pg.Client({ connectionString: server.url, ssl: { ca: ca.cert } });
    await client.connect();
    try {
      const target = client as unknown as { processID: number; secretKey: number };
      const address = { host: server.host, port: server.port, backendPid: target.processID, cancelKey: target.secretKey };
      const refused = await sendCancelRequest({ ...address, tls: { ca: otherCa.cert } }, 1000);
      expect(refused).toMatchObject({ sent: false, error: expect.stringMatching(/self.signed|unable to verify|certificate/i) });
      const sleeping = client.query('SELECT pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 100));
      expect(await sendCancelRequest({ ...address, tls: { ca: ca.cert } }, 1000)).toEqual({ sent: true });
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
    } finally {
      await client.end();
    }
  });
});
