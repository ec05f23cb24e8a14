/**
 * Process groups this Node process has started and not yet reaped. If Node exits (normally, or on a
 * SIGINT/SIGTERM nobody else handles) while some are alive, each group gets SIGKILL, so no srsRAN
 * process outlives the rig holding the radio, ZMQ ports or TUN devices. A SIGKILL of Node itself
 * cannot be caught; the next start then finds the ports busy and says so.
 */

const groups = new Set<number>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

export function trackGroup(pgid: number): void {
  groups.add(pgid);
  if (!installed) {
    installed = true;
    process.on('exit', killTrackedGroups);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
}

export function untrackGroup(pgid: number): void {
  groups.delete(pgid);
  if (groups.size === 0) uninstall();
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', killTrackedGroups);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Sends a signal to a whole group; false when no process of the group is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

function killTrackedGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (and will stop us properly): leave the children to them.
  if (process.listenerCount(signal) > 1) return;
  killTrackedGroups();
  uninstall();
  // Default action again: die of the same signal, as Node would have without our listener.
  process.kill(process.pid, signal);
}
