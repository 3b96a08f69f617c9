import fs from 'node:fs';

/**
 * Samples, every `everyMs`, how many live (not zombie) child processes of this
 * process have a command line matching `command`, keeping the peak: the real
 * processes, whatever a manager's own bookkeeping says.
 */
export function sampleChildProcesses(command: RegExp, everyMs = 10): { peak(): number; now(): number; stop(): number } {
  const now = (): number => {
    let n = 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces or parentheses, so read after the last ')'.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(ppid) !== process.pid || state === 'Z') continue;
        if (command.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) n++;
      } catch {
        // Gone between the listing and the read.
      }
    }
    return n;
  };
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, now())), everyMs);
  return {
    peak: () => peak,
    now,
    stop() {
      clearInterval(timer);
      return (peak = Math.max(peak, now()));
    },
  };
}
