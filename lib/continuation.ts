// A chunk too large for one invocation continues in the next one from a line boundary.
// This is the state handed over (async self-invoke payload), validated at that boundary.

import { z } from 'zod';
import { CountsSchema, FORMATS } from './records';

export const ContinuationSchema = z.object({
  ref: z.object({
    bucket: z.string().min(1),
    key: z.string().min(1),
    etag: z.string().optional(),
    size: z.number().int().nonnegative().optional(),
  }),
  /** The part the next run writes (2, 3, ...). */
  part: z.number().int().min(2),
  resume: z.object({
    /** Offset in the decompressed bytes where the next line starts. */
    offset: z.number().int().nonnegative(),
    /** The last line number already emitted. */
    line: z.number().int().nonnegative(),
    format: z.enum(FORMATS),
  }),
  counts: CountsSchema,
  /** Record objects written so far, in order. */
  parts: z.array(z.string().min(1)).min(1),
  notifyBatches: z.number().int().nonnegative(),
  startedAt: z.string(),
  formatDetected: z.boolean(),
});
export type Continuation = z.infer<typeof ContinuationSchema>;

/** The self-invoke payload: distinguishable from an S3 event by its top-level key. */
export const ContinuationEventSchema = z.object({ continuation: ContinuationSchema });
