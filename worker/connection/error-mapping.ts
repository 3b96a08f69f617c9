import { DatabaseError } from 'pg';
import { isRetryableSqlState } from '../../shared/error-codes';
import { Errors } from '../../shared/errors';
import { PluginError } from '../../shared/plugin-error';
import { scrubText } from '../../shared/redaction';

/** What the worker knew when an error happened; used to pick the code and the details. */
export interface ErrorContext {
  /** `connect`: nothing was sent yet. `query`: a statement was (or may have been) sent. */
  phase: 'connect' | 'query';
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** The request's timeout, when the worker cancelled the statement for passing it. */
  timedOutAfterMs?: number;
  /** The session statement_timeout, to name it when the server enforced it. */
  statementTimeoutMs?: number;
  /** The host asked for cancellation. */
  cancelled?: boolean;
  /** Pool size and acquire wait, to describe pool exhaustion. */
  poolMax?: number;
  acquireTimeoutMs?: number;
  /** Secrets that must never appear in a message (the instance's password). */
  secrets: readonly (string | undefined)[];
  /** `options.retryHostNotFound`: an unknown host name (ENOTFOUND) is retryable only when the config says so. */
  retryHostNotFound?: boolean;
}

/** pg's own refusal, before anything is sent, to answer a SCRAM challenge without a (non-empty) password. */
const PASSWORD_MISSING = /^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a (non-empty )?string$/;

/** What a stacked statement (`SELECT 1; SELECT 2`) gets from the extended protocol (SQLSTATE 42601). */
const STACKED_STATEMENTS = /cannot insert multiple commands into a prepared statement/;
const STACKED_HINT = 'one statement per sql: run each on its own, or send the script with multiStatement: true and no params';

/** Node socket error codes meaning no connection was made. */
const CONNECT_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', 'EACCES']);

/** Turns anything thrown by pg, pg-pool or the network into the wire error of docs/plugin-api.md#errors. */
export function toPluginError(error: unknown, ctx: ErrorContext): PluginError {
  if (error instanceof PluginError) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const message = scrubText(err.message, ctx.secrets);
  const where = endpoint(ctx);

  if (err instanceof DatabaseError) return fromDatabaseError(err, message, ctx, where);

  if (message === 'timeout exceeded when trying to connect') {
    return Errors.poolExhausted(ctx.poolMax ?? 0, ctx.acquireTimeoutMs ?? 0);
  }
  const errno = (err as NodeJS.ErrnoException).code;
  const ssl = sslFailure(err, message, where);
  if (ssl) return ssl;
  if (PASSWORD_MISSING.test(message)) return Errors.passwordMissing(message, where);
  if (errno === 'ENOTFOUND') {
    const hint = `${message}: no such host name in DNS; check host${ctx.retryHostNotFound ? '' : ' (options.retryHostNotFound: true retries it like an unreachable server)'}`;
    return Errors.connectionFailed(hint, { ...where, errno, reason: message }, ctx.retryHostNotFound === true);
  }
  if (ctx.phase === 'connect' || (errno !== undefined && CONNECT_ERRNOS.has(errno))) {
    return Errors.connectionFailed(message, { ...where, errno, reason: message }, true);
  }
  return Errors.connectionLost(message, { ...where, errno, reason: message });
}

function fromDatabaseError(
  err: DatabaseError,
  message: string,
  ctx: ErrorContext,
  where: Record<string, unknown>,
): PluginError {
  const sqlState = err.code ?? '';
  if (sqlState === '28P01' || sqlState === '28000') {
    if (/no encryption|SSL off|requires SSL/i.test(message)) {
      return Errors.sslRequiredByServer(message, { ...where, sqlState, reason: 'ssl-required' satisfies SslFailureReason });
    }
    if (/requires a valid client certificate/i.test(message)) {
      return certificateRejected('client-certificate-required', message, { ...where, sqlState });
    }
    if (/^certificate (authentication|validation)\b/i.test(message)) {
      return certificateRejected('client-certificate-rejected', message, { ...where, sqlState });
    }
    return Errors.authFailed(message, { ...where, sqlState });
  }
  if (sqlState === '57014') {
    if (ctx.cancelled) return Errors.queryCancelled({ sqlState });
    if (ctx.timedOutAfterMs !== undefined) return Errors.queryTimeout(ctx.timedOutAfterMs, { sqlState });
    if (/statement timeout/i.test(message)) return Errors.queryTimeout(ctx.statementTimeoutMs ?? 0, { sqlState, enforcedBy: 'statement_timeout' });
    return Errors.queryCancelled({ sqlState, reason: message });
  }
  // The server has no slot left for another session (max_connections): nothing ran, come back later.
  if (sqlState === '53300') return Errors.serverFull(message, { ...where, sqlState });
  // Server refusing the session before anything ran: starting up, shutting down.
  if (ctx.phase === 'connect' || sqlState === '57P03') {
    return Errors.connectionFailed(message, { ...where, sqlState }, sqlState !== '3D000');
  }
  const details = databaseErrorDetails(err, ctx);
  if (sqlState === '42601' && STACKED_STATEMENTS.test(message)) {
    return Errors.queryFailed(`${message} (${STACKED_HINT})`, { ...details, hint: details.hint ?? STACKED_HINT }, false);
  }
  return Errors.queryFailed(message, details, isRetryableSqlState(sqlState));
}

/** The database's own detail, kept field by field (never flattened into the message). */
export function databaseErrorDetails(err: DatabaseError, ctx?: Pick<ErrorContext, 'secrets'>): Record<string, unknown> {
  const details: Record<string, unknown> = { sqlState: err.code };
  const fields = ['detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'severity'] as const;
  for (const field of fields) {
    const value = err[field];
    if (value !== undefined) details[field] = ctx ? scrubText(String(value), ctx.secrets) : value;
  }
  return details;
}

/** `details.reason` of a POSTGRES_SSL_REQUIRED error: what exactly went wrong with SSL. */
export type SslFailureReason =
  | 'ssl-required'
  | 'ssl-not-supported'
  | 'ssl-failed'
  | 'certificate-untrusted'
  | 'hostname-mismatch'
  | 'client-certificate-required'
  | 'client-certificate-rejected';

/** TLS alerts by which the server refuses the certificate we sent (or the lack of one). */
const CLIENT_CERT_ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|CERTIFICATE_REQUIRED)$/;
/** Node's (OpenSSL's) verification codes for a server certificate that is not trusted or not valid now. */
const UNTRUSTED_CERT = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE)/;

/**
 * The SSL failures of a connection attempt, told apart: a certificate refused
 * (the server's by us, or ours by the server) reads "SSL certificate rejected:"
 * with the reason; the rest of SSL keeps the general message. Never any key
 * material: neither Node's nor PostgreSQL's texts carry it.
 */
function sslFailure(err: Error, message: string, where: Record<string, unknown>): PluginError | undefined {
  const tlsCode = (err as NodeJS.ErrnoException).code ?? '';
  if (tlsCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return certificateRejected('hostname-mismatch', message, { ...where, tlsCode });
  }
  const alert = CLIENT_CERT_ALERT.exec(tlsCode);
  if (alert) {
    const reason = alert[1] === 'CERTIFICATE_REQUIRED' ? 'client-certificate-required' : 'client-certificate-rejected';
    return certificateRejected(reason, message, { ...where, tlsCode });
  }
  if (UNTRUSTED_CERT.test(tlsCode)) return certificateRejected('certificate-untrusted', message, { ...where, tlsCode });
  if (/The server does not support SSL connections/i.test(message)) {
    return Errors.sslNotSupported(message, { ...where, reason: 'ssl-not-supported' satisfies SslFailureReason });
  }
  if (/^(ERR_TLS|ERR_SSL)/.test(tlsCode)) {
    return Errors.sslRequired(message, { ...where, reason: 'ssl-failed' satisfies SslFailureReason, tlsCode, cause: message });
  }
  return undefined;
}

const CERTIFICATE_PROBLEMS = {
  'certificate-untrusted': "the server's certificate is not signed by a trusted CA (give that CA as ssl.ca)",
  'hostname-mismatch': "the server's certificate is not issued for the host connected to (connect by a name it lists, or set ssl.servername)",
  'client-certificate-required': 'the server requires a client certificate (set ssl.cert and ssl.key)',
  'client-certificate-rejected': 'the server refused the client certificate (wrong CA, or its CN is not the user)',
} as const;

function certificateRejected(
  reason: keyof typeof CERTIFICATE_PROBLEMS,
  message: string,
  details: Record<string, unknown>,
): PluginError {
  const cause = message.trim();
  return Errors.sslCertificateRejected(`${CERTIFICATE_PROBLEMS[reason]}: ${cause}`, { ...details, reason, cause });
}

function endpoint(ctx: ErrorContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.host !== undefined) out.host = ctx.host;
  if (ctx.port !== undefined) out.port = ctx.port;
  if (ctx.database !== undefined) out.database = ctx.database;
  if (ctx.user !== undefined) out.user = ctx.user;
  return out;
}
