// What ingest wrote beside an uploaded chunk, read back from the store, and the alerts a
// real HTTP receiver got for it: shared by the integration suites.

import { OutputRecordSchema, SummarySchema } from '../../lib/records';
import { readText, upload, waitForObject } from '../../scripts/local-s3';
import type { Receiver } from './http-receiver';
import type { StoreTarget } from './store-targets';

export async function put(target: StoreTarget, key: string, body: Buffer): Promise<void> {
  await upload(target.s3, target.bucket, key, body);
  await target.afterUpload(key, body.length);
}

/** Waits for the summary (written last), then reads it and the JSON Lines records. */
export async function ingested(target: StoreTarget, key: string, waitMs = 60_000) {
  await waitForObject(target.s3, target.bucket, `${key}.summary.json`, waitMs);
  const summary = SummarySchema.parse(JSON.parse(await readText(target.s3, target.bucket, `${key}.summary.json`)));
  const text = await readText(target.s3, target.bucket, `${key}.jsonl`);
  const records = text
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => OutputRecordSchema.parse(JSON.parse(l)));
  return { summary, records };
}

/** The lines of the FAILED operations listed in the alerts the receiver accepted for `key`. */
export function alertedLines(receiver: Receiver, key: string): number[] {
  return receiver.received
    .map((r) => r.json as { source?: { key?: string }; failures?: { line: number }[] })
    .filter((a) => a.source?.key === key)
    .flatMap((a) => a.failures?.map((f) => f.line) ?? []);
}

/** Polls until `what` holds or `ms` pass (alerts arrive after the outputs, asynchronously). */
export async function until(what: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}
