// A chunk too large for one invocation continues in the next one from a line boundary.
// This is the state handed over (async self-invoke payload), validated at that boundary.

import * as z from './zod';
import { ContentsSchema, CountsSchema, FORMATS, nonEmpty } from './records';

export const ContinuationSchema = z.object({
  ref: z.object({
    bucket: nonEmpty(),
    key: nonEmpty(),
    etag: z.optional(z.string()),
    size: z.optional(z.int().check(z.nonnegative())),
  }),
  /** The part the next run writes (2, 3, ...). */
  part: z.int().check(z.minimum(2)),
  resume: z.object({
    /** Offset in the decompressed bytes where the next line starts. */
    offset: z.int().check(z.nonnegative()),
    /** The last line number already emitted. */
    line: z.int().check(z.nonnegative()),
    format: z.enum(FORMATS),
    shipped: z.optional(z.boolean()),
    detected: z.optional(z.boolean()),
  }),
  counts: CountsSchema,
  contents: z.optional(ContentsSchema),
  /** Record objects written so far, in order. */
  parts: z.array(nonEmpty()).check(z.minLength(1)),
  notifyBatches: z.int().check(z.nonnegative()),
  startedAt: z.string(),
  formatDetected: z.boolean(),
});
export type Continuation = z.infer<typeof ContinuationSchema>;

/** The self-invoke payload: distinguishable from an S3 event by its top-level key. */
export const ContinuationEventSchema = z.object({ continuation: ContinuationSchema });
