/**
 * The child of the lookup suite's floor contenders: `raw` echoes every byte
 * it reads on stdin back on stdout (the floor of any process hop);
 * `jsonrpc` answers `echo` requests with their params through vscode-jsonrpc
 * over its stdio (the floor of a JSON-RPC hop, before any database work).
 */
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const mode = process.argv[2];
if (mode === 'raw') {
  process.stdin.on('data', (chunk: Buffer) => process.stdout.write(chunk));
} else if (mode === 'jsonrpc') {
  const connection = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  connection.onRequest('echo', (params: unknown) => params);
  connection.listen();
} else {
  process.stderr.write(`echo-child: unknown mode '${String(mode)}' (raw | jsonrpc)\n`);
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
