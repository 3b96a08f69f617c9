import { toPluginError } from '../../worker/connection/error-mapping';
import { createLogger } from '../../worker/runtime/logger';

/** What the worker answers for failures that need no server to produce: the classification and its advice. */

const dnsFailure = (code: string) => Object.assign(new Error(`getaddrinfo ${code} db.example.invalid`), { code, errno: -3008, syscall: 'getaddrinfo', hostname: 'db.example.invalid' });
const ctx = { phase: 'connect' as const, host: 'db.example.invalid', port: 5432, secrets: [] };

test('an unknown host name (ENOTFOUND) is not retryable unless options.retryHostNotFound says so, and the message says what to check', () => {
  const plain = toPluginError(dnsFailure('ENOTFOUND'), ctx);
  expect(plain).toMatchObject({ code: 'POSTGRES_CONNECTION_FAILED', retryable: false, details: { errno: 'ENOTFOUND', host: 'db.example.invalid' } });
  expect(plain.message).toMatch(/no such host name in DNS; check host \(options.retryHostNotFound: true retries it/);
  expect(toPluginError(dnsFailure('ENOTFOUND'), { ...ctx, retryHostNotFound: true })).toMatchObject({ code: 'POSTGRES_CONNECTION_FAILED', retryable: true });
});

test('a temporary DNS failure (EAI_AGAIN) stays retryable, like a refused connection', () => {
  expect(toPluginError(dnsFailure('EAI_AGAIN'), ctx)).toMatchObject({ code: 'POSTGRES_CONNECTION_FAILED', retryable: true });
  expect(toPluginError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), ctx)).toMatchObject({ retryable: true });
});

test("pg's refusal to answer SCRAM without a password is an authentication error, never a connection failure", () => {
  for (const message of ['SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string', 'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a non-empty string']) {
    expect(toPluginError(new Error(message), ctx)).toMatchObject({ code: 'POSTGRES_AUTH_FAILED', retryable: false, details: { reason: 'password-missing', originalError: message } });
  }
});

test('the logger is named for where the plugin runs: the worker process, or the caller\'s process', () => {
  expect(createLogger('silent').bindings()).toMatchObject({ name: 'postgres-plugin-worker' });
  expect(createLogger('silent', 'postgres-plugin').bindings()).toMatchObject({ name: 'postgres-plugin' });
});
