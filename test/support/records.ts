// Parsers return drafts (records without their id, which the pipeline adds): completes one
import { expect } from 'vitest';
// for schema checks, as the pipeline would for a chunk holding only this record.
import { RecordIds } from '../../lib/record-id';
import type { Draft, OutputRecord } from '../../lib/records';

export function withId(draft: Draft): OutputRecord {
  return new RecordIds().assign({ ...draft });
}

/** What any record id looks like, for expectations that do not pin its value. */
export const ANY_ID: unknown = expect.stringMatching(/^[0-9a-f]{32}$/);
