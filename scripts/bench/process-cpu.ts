/**
 * CPU time a process has used, in µs: this one from process.cpuUsage, a child
 * from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms: read over
 * seconds of load, the granularity is far below a percent).
 */
import fs from 'node:fs';

const MICROS_PER_TICK = 10_000;

export function cpuMicros(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return u.user + u.system;
  }
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
  } catch {
    return Number.NaN; // no /proc (not Linux) or the process is gone: the report shows '-'
  }
}
