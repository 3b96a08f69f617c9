import { execFileSync } from 'node:child_process';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePortSync(): number {
  const script = "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', script]).toString());
}
