/**
 * The floor of the supervision suite's cold start: a Node child with nothing
 * to load that answers the protocol's start handshake at once (`initialize`
 * with the worker's capabilities, `shutdown`, then `exit`). A worker's cold
 * start is read against it: what is above it is the worker's own loading.
 * No imports: a module it loaded would be counted as the floor.
 */
const INITIALIZE_RESULT = {
  name: 'postgres-plugin',
  version: '0.0.0',
  protocolVersion: 1,
  operations: [],
  capabilities: { framing: ['content-length'], cancellation: true, progress: true, preparedStatements: true, timingsInAnswer: true },
};

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  for (;;) {
    const header = /^Content-Length: (\d+)\r\n\r\n/.exec(pending);
    if (header === null || pending.length < header[0].length + Number(header[1])) return;
    const body = pending.slice(header[0].length, header[0].length + Number(header[1]));
    pending = pending.slice(header[0].length + Number(header[1]));
    const message = JSON.parse(body) as { id?: number; method: string };
    if (message.method === 'exit') process.exit(0);
    if (message.id === undefined) continue;
    const answer = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: message.method === 'initialize' ? INITIALIZE_RESULT : null });
    process.stdout.write(`Content-Length: ${Buffer.byteLength(answer)}\r\n\r\n${answer}`);
  }
});
process.stdin.on('end', () => process.exit(0));
