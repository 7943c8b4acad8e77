// A long-running sweep for clouds with neither notifications nor a functions platform: a
// pass (one sweep of the container) every `everyMs`, one log line per pass, and after a pass
// that failed (the store unreachable, a listing refused) the next one sooner, then backing
// off to `maxBackoffMs`. Aborting the signal ends the loop: the pass in hand stops starting
// chunks (the sweep's own signal), finishes those it holds, and the loop returns.

import type { Logger } from './log';
import type { SweepReport } from './sweep';

export interface WatchOptions {
  everyMs: number;
  signal: AbortSignal;
  log: Logger;
  /** The first wait after a failed pass; doubled on each failure in a row, up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface WatchResult {
  passes: number;
  failedPasses: number;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 5_000;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

/** The wait before the next pass: what is left of the period, or the backoff after failures. */
export function nextDelay(everyMs: number, passMs: number, failuresInRow: number, initialMs: number, maxMs: number): number {
  if (failuresInRow === 0) return Math.max(0, everyMs - passMs);
  return Math.min(Math.max(maxMs, initialMs), initialMs * 2 ** (failuresInRow - 1));
}

export async function watch(pass: (signal: AbortSignal) => Promise<SweepReport>, options: WatchOptions): Promise<WatchResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const initial = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  const max = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const result: WatchResult = { passes: 0, failedPasses: 0 };
  let failuresInRow = 0;
  while (!options.signal.aborted) {
    const started = now();
    result.passes += 1;
    let line: Record<string, unknown>;
    try {
      const r = await pass(options.signal);
      failuresInRow = 0;
      line = {
        pass: result.passes,
        listed: r.listed,
        chunks: r.chunks,
        upToDate: r.upToDate,
        processed: r.processed,
        failed: r.failed.length,
        ...r.totals,
        complete: r.complete,
        ...(r.failed.length > 0 ? { failures: r.failed.slice(0, 10) } : {}),
      };
    } catch (err) {
      failuresInRow += 1;
      result.failedPasses += 1;
      line = { pass: result.passes, error: err, failuresInRow };
    }
    const passMs = now() - started;
    const delay = nextDelay(options.everyMs, passMs, failuresInRow, initial, max);
    const stopping = options.signal.aborted;
    const context = { ...line, durationMs: passMs, ...(stopping ? { stopping: true } : { nextInMs: delay }) };
    if (failuresInRow > 0) options.log.warn('watch pass failed', context);
    else options.log.info('watch pass', context);
    if (!stopping) await sleep(delay, options.signal);
  }
  return result;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
