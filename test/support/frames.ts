/** A JSON text as one Content-Length frame (LSP-style base protocol), as the worker reads it on stdin. */
export function framed(json: string): string {
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}
