// The ingest-path runs the bench compares with a plain copy: one per output compression.

import type { OutputCompression } from '../lib/keys';
import { zstdAvailable } from '../lib/stream/compress';

/** Each ingest mode's OUTPUT_COMPRESSION. */
export const INGEST_OUTPUTS = { ingest: 'none', 'ingest-gzip': 'gzip', 'ingest-zstd': 'zstd' } as const satisfies Record<string, OutputCompression>;
export type IngestOutputMode = keyof typeof INGEST_OUTPUTS;
export type IngestMode = IngestOutputMode | 'copy';

export const INGEST_OUTPUT_MODES = Object.keys(INGEST_OUTPUTS) as IngestOutputMode[];

/** What a mode writes, for tables: "records as .jsonl", "OUTPUT_COMPRESSION=gzip". */
export function outputLabel(mode: IngestOutputMode): string {
  return mode === 'ingest' ? 'records as .jsonl' : `OUTPUT_COMPRESSION=${INGEST_OUTPUTS[mode]}`;
}

/** The modes this Node can run (zstd needs Node >= 22.15), the copy last. */
export function runnableModes(): IngestMode[] {
  return [...INGEST_OUTPUT_MODES.filter((m) => INGEST_OUTPUTS[m] !== 'zstd' || zstdAvailable()), 'copy'];
}
