// An AbortSignal that SIGINT or SIGTERM aborts, for the waits of start-up (a database or a
// coordinator that is not up yet); released once start-up is over, when the command's own
// handlers (finish the tasks in flight, then stop) take over.

export function interruptSignal(): { signal: AbortSignal; release(): void } {
  const ac = new AbortController();
  const abort = (): void => ac.abort();
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  return {
    signal: ac.signal,
    release: () => { process.off('SIGINT', abort); process.off('SIGTERM', abort); },
  };
}
