import { DatabaseError } from 'pg';
import { Errors } from '../shared/errors';
import { PluginError } from '../shared/plugin-error';
import { scrubText } from '../shared/redaction';

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
}

/** SQLSTATEs after which repeating the whole request as-is is safe (DESIGN §6). */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
/** Node socket error codes meaning no connection was made. */
const CONNECT_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', 'EACCES']);

/** Turns anything thrown by pg, pg-pool or the network into the wire error of DESIGN §6. */
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
  if (isSslProblem(err, message)) return Errors.sslRequired(message, { ...where, reason: message });
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
      return Errors.sslRequired(message, { ...where, sqlState });
    }
    return Errors.authFailed(message, { ...where, sqlState });
  }
  if (sqlState === '57014') {
    if (ctx.cancelled) return Errors.queryCancelled({ sqlState });
    if (ctx.timedOutAfterMs !== undefined) return Errors.queryTimeout(ctx.timedOutAfterMs, { sqlState });
    if (/statement timeout/i.test(message)) return Errors.queryTimeout(ctx.statementTimeoutMs ?? 0, { sqlState, enforcedBy: 'statement_timeout' });
    return Errors.queryCancelled({ sqlState, reason: message });
  }
  // Server refusing the session before anything ran: too many clients, starting up, shutting down.
  if (ctx.phase === 'connect' || sqlState === '53300' || sqlState === '57P03') {
    return Errors.connectionFailed(message, { ...where, sqlState }, sqlState !== '3D000');
  }
  return Errors.queryFailed(message, databaseErrorDetails(err, ctx), RETRYABLE_SQLSTATES.has(sqlState));
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

function isSslProblem(err: Error, message: string): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return (
    /^(ERR_TLS|ERR_SSL|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY|CERT_|UNABLE_TO_GET_ISSUER)/.test(code) ||
    /The server does not support SSL connections/i.test(message)
  );
}

function endpoint(ctx: ErrorContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.host !== undefined) out.host = ctx.host;
  if (ctx.port !== undefined) out.port = ctx.port;
  if (ctx.database !== undefined) out.database = ctx.database;
  if (ctx.user !== undefined) out.user = ctx.user;
  return out;
}
