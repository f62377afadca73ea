/** What the running SDK exposes to the rest of the process: a flush-and-stop. */
export interface TracingHandle {
  shutdown(): Promise<void>;
}

// On globalThis, not in a module variable: the `--import` entry and the app may load this file
// through different specifiers (source under tsx, dist in a deploy folder) and still share it.
const HANDLE = Symbol.for('tally.telemetry.tracing');
type Holder = { [HANDLE]?: TracingHandle | undefined };

export function setTracingHandle(handle: TracingHandle): void {
  (globalThis as Holder)[HANDLE] = handle;
}

/** True when the process started the tracing SDK (see `@tally/telemetry/register`). */
export function tracingStarted(): boolean {
  return (globalThis as Holder)[HANDLE] !== undefined;
}

/**
 * Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Bounded by
 * `timeoutMs`, so an unreachable collector never holds a shutdown open: the spans it could not
 * take are lost, the process still exits. The last step of every service's graceful shutdown.
 */
export async function shutdownTracing(timeoutMs = 5_000): Promise<void> {
  const holder = globalThis as Holder;
  const handle = holder[HANDLE];
  if (handle === undefined) return;
  holder[HANDLE] = undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`tracing did not flush within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    await Promise.race([handle.shutdown(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
