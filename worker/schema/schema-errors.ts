import { PluginErrorCode } from '../../shared/error-codes';
import { PluginError } from '../../shared/plugin-error';

/**
 * Errors of the schema operations, each message defined once. They use the
 * codes of docs/plugin-api.md#errors (shared/errors.ts holds the general catalogue).
 */
export const SchemaErrors = {
  /** describeTable of a table that isn't there: shaped like the server's own 42P01. */
  tableNotFound: (table: string) =>
    new PluginError(PluginErrorCode.QUERY_FAILED, `Table '${table}' does not exist`, { sqlState: '42P01', table }, false),

  /** An alteration failed; the transaction was rolled back, so none of the list took effect. */
  alterationFailed: (index: number, action: string, cause: PluginError) =>
    new PluginError(
      cause.code,
      `Alteration ${index} (${action}) failed, so no alteration was applied: ${cause.message}`,
      { ...cause.details, alterationIndex: index, action, rolledBack: true },
      cause.retryable,
    ),
} as const;
