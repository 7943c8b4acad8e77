// Alert bodies for the sinks. Everything that came from the log (actors, IDs, keys) is
// data, never markup: Slack gets it in plain_text blocks, which Slack does not parse for
// mentions (<!channel>), links or *bold*, and the fallback text carries none of it.

import type { Alert } from './alert';

export type WebhookFormat = 'json' | 'slack';

/** Generic JSON: the alert as is, for any receiver (SIEM, automation). */
export function renderJson(alert: Alert): string {
  return JSON.stringify({ type: 'audit.failed-operations', ...alert });
}

const PLAIN_TEXT_LIMIT = 2900; // Slack caps a text object at 3000 characters

function plain(text: string): { type: 'plain_text'; text: string; emoji: false } {
  const t = text.length > PLAIN_TEXT_LIMIT ? text.slice(0, PLAIN_TEXT_LIMIT) + '…' : text;
  return { type: 'plain_text', text: t, emoji: false };
}

export function renderSlack(alert: Alert): string {
  const blocks: unknown[] = [
    { type: 'header', text: plain(`${alert.failedCount} FAILED audit operation${alert.failedCount === 1 ? '' : 's'}`) },
    { type: 'section', text: plain(`Source: s3://${alert.source.bucket}/${alert.source.key} (batch ${alert.batch})`) },
  ];
  for (const f of alert.failures) {
    blocks.push({
      type: 'section',
      text: plain(`${f.timestamp}  ${f.actor}  ${f.operation}  [${f.resourceType}: ${f.resourceIds.join(', ')}]  ${f.location}`),
    });
  }
  blocks.push({
    type: 'context',
    elements: [plain(`${alert.more > 0 ? `${alert.more} more, and every record: ` : 'Every record: '}${alert.recordsUrl}${repeatsNote(alert)}`)],
  });
  // `text` is the notification fallback and is parsed as mrkdwn: only our own words and numbers.
  return JSON.stringify({ text: `${alert.failedCount} FAILED audit operation(s) (batch ${alert.batch})`, blocks });
}

export function renderWebhook(alert: Alert, format: WebhookFormat): string {
  return format === 'slack' ? renderSlack(alert) : renderJson(alert);
}

/** Plain text for e-mail/SMS subscribers of an SNS topic. */
export function renderText(alert: Alert): { subject: string; message: string } {
  const lines = [
    alert.title,
    '',
    ...alert.failures.map((f) => `- ${f.timestamp} ${f.actor} ${f.operation} [${f.resourceType}: ${f.resourceIds.join(', ')}] at ${f.location}`),
  ];
  if (alert.more > 0) lines.push(`- … and ${alert.more} more`);
  if (alert.repeats > 0) lines.push(repeatsNote(alert).trim());
  lines.push('', `All records: ${alert.recordsUrl}`);
  // SNS subjects: ASCII, no line breaks, at most 100 characters.
  const subject = `${alert.failedCount} FAILED audit operation(s)`.slice(0, 100);
  return { subject, message: lines.join('\n') };
}

function repeatsNote(alert: Alert): string {
  return alert.repeats > 0 ? ` (${alert.repeats} more of this batch were alerted before and are not repeated)` : '';
}
