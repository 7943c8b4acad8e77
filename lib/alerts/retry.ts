// Retries with capped exponential backoff and full jitter, bounded by a deadline (the
// Lambda's remaining time less a margin). When time runs out the last error is thrown,
// so the invocation fails and Lambda's async retries / on-failure destination take over.

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /**
   * A retry starts only with at least this much time left before the deadline; otherwise the
   * last error is thrown. An attempt squeezed into the last moments fails for lack of time,
   * and its error (a timeout) would hide the real one.
   */
  minAttemptMs?: number;
  baseMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/** Thrown errors marked permanent (e.g. HTTP 400) are not retried. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

export async function withRetry<T>(attempt: (n: number, timeLeftMs: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const base = options.baseMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const minAttempt = options.minAttemptMs ?? 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n, options.deadline - now());
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      // Full jitter (AWS Architecture Blog): spreads retries of many invocations apart.
      const delay = Math.floor(random() * Math.min(cap, base * 2 ** (n - 1)));
      if (now() + delay + minAttempt >= options.deadline) throw err;
      options.onRetry?.(n, delay, err);
      await sleep(delay);
    }
  }
}
