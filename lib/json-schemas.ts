// The published JSON Schema files (schemas/*.schema.json), generated from the zod schemas
// so that consumers of the outputs in other languages validate against the same contract.

import * as z from './zod';
import { NotifyPayloadSchema } from './notify-payload';
import { OutputRecordSchema, SummarySchema } from './records';

const BASE = 'urn:audit-log-ingest:schema:';

export function jsonSchemas(): Record<string, unknown> {
  const publish = (name: string, title: string, schema: z.ZodMiniType) => ({
    [`${name}.schema.json`]: { $id: `${BASE}${name}`, title, ...z.toJSONSchema(schema, { io: 'output' }) },
  });
  return {
    ...publish('record', 'One line of an audit-log chunk (entry or error), as written to <key>.jsonl', OutputRecordSchema),
    ...publish('summary', 'Per-chunk summary, written last to <key>.summary.json', SummarySchema),
    ...publish('notify-payload', 'FAILED operations sent from ingest to notify', NotifyPayloadSchema),
  };
}
