import { PluginErrorCode } from './error-codes';
import { PluginError } from './plugin-error';
import { invalidParams } from './validation';

/** Why a cursor id no longer answers (named in `details.reason`). */
export type CursorReason = 'closed' | 'done' | 'idle-timeout' | 'transaction-ended' | 'unknown' | 'failed';

function describeReason(reason: CursorReason): string {
  switch (reason) {
    case 'closed':
      return 'it was closed';
    case 'done':
      return 'it was read to the end and closed';
    case 'idle-timeout':
      return 'it was idle too long and was closed (options.cursorIdleTimeout)';
    case 'transaction-ended':
      return 'its transaction ended';
    case 'failed':
      return 'a fetch failed and closed it';
    default:
      return 'no such cursor for this instance; cursors end with their worker';
  }
}

/** Cursor errors (docs/plugin-api.md#cursors). */
export const CursorErrors = {
  notFound: (cursorId: string, reason: CursorReason) =>
    new PluginError(PluginErrorCode.CURSOR_NOT_FOUND, `Cursor '${cursorId}' is not open (${describeReason(reason)})`, { cursorId, reason }, false),

  tooMany: (maxCursors: number) =>
    new PluginError(
      PluginErrorCode.POOL_EXHAUSTED,
      `This instance already holds ${maxCursors} open cursors (options.maxCursors); close one or let it end`,
      { maxCursors },
      true,
    ),

  /** Another statement on a transaction while one of its cursors is open: the session is reading the cursor. */
  transactionBusy: (transactionId: string, cursorId: string) =>
    invalidParams([
      {
        path: 'params.transactionId',
        message: `transaction '${transactionId}' is reading cursor '${cursorId}': close it (closeCursor) or read it to the end first`,
      },
    ]),

  /** A fetch while another fetch of the same cursor is running. */
  busy: (cursorId: string) =>
    invalidParams([{ path: 'params.cursorId', message: `cursor '${cursorId}' is answering another fetch: fetch one batch at a time` }]),
} as const;
