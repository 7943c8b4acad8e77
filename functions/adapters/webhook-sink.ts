// Alert sink: HTTP POST of the rendered alert to a webhook (generic JSON or Slack).

import type { Sink } from '../../lib/alerts/notify';
import { renderWebhook, type WebhookFormat } from '../../lib/alerts/render';
import { PermanentError } from '../../lib/alerts/retry';

const MAX_ATTEMPT_MS = 10_000;

/** `url` is a secret (Slack puts its token in the path): it never appears in errors or logs. */
export function webhookSink(url: () => Promise<string>, format: WebhookFormat): Sink {
  return {
    name: `webhook-${format}`,
    async send(alert, timeLeftMs) {
      const target = await url();
      let res: Response;
      try {
        res = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'audit-log-ingest' },
          body: renderWebhook(alert, format),
          signal: AbortSignal.timeout(Math.max(100, Math.min(MAX_ATTEMPT_MS, timeLeftMs - 500))),
        });
      } catch (err) {
        const reason = (err as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable';
        throw new Error(`webhook ${reason}`);
      }
      await res.body?.cancel();
      if (res.ok) return;
      // 408/429/5xx are worth another try; other 4xx mean the request itself is wrong.
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      const message = `webhook answered HTTP ${res.status}`;
      throw retryable ? new Error(message) : new PermanentError(message);
    },
  };
}
