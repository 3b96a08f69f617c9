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

/**
 * Busy CPU time of the whole machine, in µs (every CPU's user, nice, system,
 * irq and softirq from /proc/stat; NaN without /proc): read around a
 * measurement, it includes the server's backends, which no pid names.
 */
export function machineCpuMicros(): number {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = fields as [number, number, number, number, number, number, number];
    return (user + nice + system + irq + softirq) * MICROS_PER_TICK;
  } catch {
    return Number.NaN;
  }
}
