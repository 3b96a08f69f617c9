import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PluginManager } from '../../host';
import { workerEnvManager } from '../support/managers';
import { memoryLogger } from '../support/memory-logger';
import { ownServerConfig, startOwnServer, type OwnServer } from '../support/own-server';
import { closeSuite } from '../support/suite-setup';
import { makeCertificate } from '../support/test-certificates';
import { UNTYPED_POSTGRES_PLUGIN } from '../support/untyped-plugin-name';

// Certificates made now, with node:crypto only (no openssl tool needed).
const ca = makeCertificate({ commonName: 'postgres-plugin test CA', isCa: true });
const otherCa = makeCertificate({ commonName: 'some other CA', isCa: true });
const serverCert = makeCertificate({ commonName: '127.0.0.1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], issuer: ca });
const CERT_USER = 'cert_user';
const CERT_ONLY_USER = 'cert_only';
const clientCert = makeCertificate({ commonName: CERT_USER, issuer: ca });
const certOnlyCert = makeCertificate({ commonName: CERT_ONLY_USER, issuer: ca });
const strangerCert = makeCertificate({ commonName: 'someone_else', issuer: ca });
const foreignClientCert = makeCertificate({ commonName: CERT_USER, issuer: otherCa });

const PASSWORD = crypto.randomBytes(12).toString('hex');
const CERT_USER_PASSWORD = crypto.randomBytes(12).toString('hex');
/** The base64 lines of every private key: none may appear in an error or a log line. */
const KEY_BODIES = [serverCert, clientCert, certOnlyCert, strangerCert, foreignClientCert, ca].flatMap((c) => pemLines(c.key));

let server: OwnServer;
let plugins: PluginManager;
let caFile: string;
const log = memoryLogger('trace');
const logging = { level: 'trace', logConnections: true } as const;

beforeAll(async () => {
  server = await startOwnServer(['--password', PASSWORD, '--auth', 'scram-sha-256'], {
    files: { 'server.crt': serverCert.cert, 'server.key': serverCert.key, 'root.crt': ca.cert },
    postgresFlags: ['-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key', '-c', 'ssl_ca_file=root.crt'],
    hba: [
      'local all all scram-sha-256',
      // TCP without SSL is refused outright.
      'hostnossl all all 0.0.0.0/0 reject',
      'hostnossl all all ::/0 reject',
      // This user needs a password and a client certificate whose CN is its name.
      `hostssl all ${CERT_USER} 127.0.0.1/32 scram-sha-256 clientcert=verify-full`,
      // This one logs in by certificate alone (the `cert` method implies verify-full).
      `hostssl all ${CERT_ONLY_USER} 127.0.0.1/32 cert`,
      'hostssl all all 127.0.0.1/32 scram-sha-256',
    ],
  });
  plugins = new PluginManager({ logger: log.logger });
  caFile = path.join(os.tmpdir(), `postgres-plugin-ca-${process.pid}-${crypto.randomBytes(4).toString('hex')}.pem`);
  fs.writeFileSync(caFile, ca.cert);
  const created = await run('setup', { ssl: { ca: ca.cert } }, 'execute', {
    sql: `CREATE ROLE ${CERT_USER} LOGIN PASSWORD '${CERT_USER_PASSWORD}'`,
  });
  expect(created.success).toBe(true);
  const createdCertOnly = await run('setup', { ssl: { ca: ca.cert } }, 'execute', { sql: `CREATE ROLE ${CERT_ONLY_USER} LOGIN` });
  expect(createdCertOnly.success).toBe(true);
});

afterAll(async () => {
  await closeSuite({ plugins, server });
  if (caFile) fs.rmSync(caFile, { force: true });
});

/** A superuser config for the server plus `extra` (ssl, user, …). */
function config(extra: Record<string, unknown>): Record<string, unknown> {
  return ownServerConfig(server, { password: PASSWORD, logging, ...extra });
}

function run(instanceId: string, extra: Record<string, unknown>, operation = 'queryOne', params: Record<string, unknown> = { sql: SSL_SESSION }) {
  return plugins.executePlugin<string, Record<string, unknown>>(UNTYPED_POSTGRES_PLUGIN, instanceId, config(extra), operation, params);
}

const SSL_SESSION = 'SELECT s.ssl, s.client_dn, current_user AS "user" FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()';

/** The error of a failed call, with no key material in it. */
function failure(res: Awaited<ReturnType<typeof run>>) {
  expect(res.success).toBe(false);
  if (res.success) throw new Error('expected a failure');
  const text = JSON.stringify(res);
  for (const body of KEY_BODIES) expect(text).not.toContain(body);
  expect(text).not.toContain(PASSWORD);
  return res.error;
}

describe('server certificate verification', () => {
  test('the right CA and the host the certificate names (its IP): connected over SSL', async () => {
    const res = await run('verified', { ssl: { ca: ca.cert } });
    expect(res).toEqual({ success: true, data: { ssl: true, client_dn: null, user: 'postgres' } });
  });

  test('ssl.servername checks the certificate against that name (localhost is in its SAN)', async () => {
    const res = await run('servername-ok', { ssl: { ca: ca.cert, servername: 'localhost' } });
    expect(res).toMatchObject({ success: true, data: { ssl: true } });
  });

  test('a CA that did not sign the server certificate: certificate-untrusted', async () => {
    const error = failure(await run('wrong-ca', { ssl: { ca: otherCa.cert } }));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.message).toMatch(/^SSL certificate rejected: /);
    expect(error.message).toContain('not signed by a trusted CA');
    expect(error.details).toMatchObject({ reason: 'certificate-untrusted', host: server.host, port: server.port });
    expect(error.retryable).toBe(false);
  });

  test('a certificate for another name (servername not in its SAN): hostname-mismatch', async () => {
    const error = failure(await run('mismatch', { ssl: { ca: ca.cert, servername: 'db.example.invalid' } }));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.message).toMatch(/^SSL certificate rejected: /);
    expect(error.details).toMatchObject({ reason: 'hostname-mismatch', tlsCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  test('ssl: true verifies against the trust store, which does not know a private CA', async () => {
    const error = failure(await run('ssl-true', { ssl: true }));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.details.reason).toBe('certificate-untrusted');
  });

  test('ssl: true works once the worker trusts the CA (NODE_EXTRA_CA_CERTS)', async () => {
    const trusting = workerEnvManager({ NODE_EXTRA_CA_CERTS: caFile });
    try {
      const res = await trusting.executePlugin('postgres-plugin', 'ssl-true-trusted', config({ ssl: true }), 'queryOne', { sql: SSL_SESSION });
      expect(res).toMatchObject({ success: true, data: { ssl: true } });
    } finally {
      await trusting.shutdown();
    }
  });

  test('ssl: { rejectUnauthorized: false } encrypts without verifying', async () => {
    const res = await run('unverified', { ssl: { rejectUnauthorized: false } });
    expect(res).toMatchObject({ success: true, data: { ssl: true } });
  });
});

describe('a server that requires SSL', () => {
  test.each([
    ['ssl: false', { ssl: false }],
    ['no ssl key', {}],
  ])('%s against hostssl-only: POSTGRES_SSL_REQUIRED (ssl-required)', async (_name, extra) => {
    const error = failure(await run(`no-ssl-${Object.keys(extra).length}`, extra));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.details).toMatchObject({ reason: 'ssl-required', sqlState: '28000' });
    // The server words it "no encryption" (PostgreSQL 13+) or "SSL off" (12).
    expect(error.message).toMatch(/no encryption|SSL off/);
    // Worded for this direction: what to change in the config.
    expect(error.message).toMatch(/^The server accepts only SSL connections and the config does not use SSL: set ssl: true/);
    expect(error.retryable).toBe(false);
  });

  test('a wrong password over SSL is still POSTGRES_AUTH_FAILED', async () => {
    const error = failure(await run('bad-password', { ssl: { ca: ca.cert }, password: PASSWORD + 'x' }));
    expect(error.code).toBe('POSTGRES_AUTH_FAILED');
    expect(error.details).toMatchObject({ sqlState: '28P01' });
  });
});

describe('client certificates (clientcert=verify-full, CN = user)', () => {
  const certUser = (ssl: Record<string, unknown>) => ({ user: CERT_USER, password: CERT_USER_PASSWORD, ssl: { ca: ca.cert, ...ssl } });

  test('with its key and certificate: connected as the user the certificate names', async () => {
    const res = await run('client-cert', certUser({ key: clientCert.key, cert: clientCert.cert }));
    expect(res).toEqual({ success: true, data: { ssl: true, client_dn: `/CN=${CERT_USER}`, user: CERT_USER } });
  });

  test('without them: client-certificate-required', async () => {
    const error = failure(await run('client-cert-missing', certUser({})));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.message).toMatch(/^SSL certificate rejected: the server requires a client certificate/);
    expect(error.details).toMatchObject({ reason: 'client-certificate-required', sqlState: '28000', user: CERT_USER });
  });

  test('a certificate from a CA the server does not trust: client-certificate-rejected', async () => {
    const error = failure(await run('client-cert-foreign', certUser({ key: foreignClientCert.key, cert: foreignClientCert.cert })));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.message).toMatch(/^SSL certificate rejected: /);
    expect(error.details.reason).toBe('client-certificate-rejected');
  });

  test("another user's certificate (CN mismatch) after scram: PostgreSQL says only that authentication failed", async () => {
    const error = failure(await run('client-cert-stranger', certUser({ key: strangerCert.key, cert: strangerCert.cert })));
    // The server reports a failed verify-full check after scram-sha-256 as a failed
    // password (28P01), on purpose: the client is not told which factor was wrong.
    expect(error.code).toBe('POSTGRES_AUTH_FAILED');
    expect(error.details).toMatchObject({ sqlState: '28P01', user: CERT_USER });
  });
});

describe('certificate authentication (the cert method)', () => {
  const certOnly = (ssl: Record<string, unknown>) => ({ user: CERT_ONLY_USER, password: undefined, ssl: { ca: ca.cert, ...ssl } });

  test('the certificate alone logs in, no password', async () => {
    const res = await run('cert-only', certOnly({ key: certOnlyCert.key, cert: certOnlyCert.cert }));
    expect(res).toEqual({ success: true, data: { ssl: true, client_dn: `/CN=${CERT_ONLY_USER}`, user: CERT_ONLY_USER } });
  });

  test("another user's certificate: client-certificate-rejected", async () => {
    const error = failure(await run('cert-only-stranger', certOnly({ key: strangerCert.key, cert: strangerCert.cert })));
    expect(error.code).toBe('POSTGRES_SSL_REQUIRED');
    expect(error.message).toMatch(/^SSL certificate rejected: the server refused the client certificate/);
    expect(error.details).toMatchObject({ reason: 'client-certificate-rejected', sqlState: '28000', user: CERT_ONLY_USER });
  });
});

test('no key material in any log line of host or worker', async () => {
  await new Promise((r) => setTimeout(r, 200)); // the worker's last stderr lines
  expect(log.lines.length).toBeGreaterThan(0);
  const leaks = log.lines.filter((line) => KEY_BODIES.some((body) => line.includes(body)) || line.includes(PASSWORD));
  expect(leaks).toEqual([]);
});

/** The base64 lines of a PEM block: what would show up, however escaped, if a key leaked. */
function pemLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line && !line.startsWith('-----'));
}
