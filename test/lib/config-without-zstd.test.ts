// The refusal of OUTPUT_COMPRESSION=zstd, on every Node: zstdAvailable() answers as on a Node
// without zstd (< 22.15). Which Nodes have it is pinned in test/lib/stream/compress.test.ts.

import { describe, expect, it, vi } from 'vitest';
import { loadConfig, ParseConfigSchema } from '../../lib/config';

vi.mock('../../lib/stream/compress', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../lib/stream/compress')>()),
  zstdAvailable: () => false,
}));

describe('loadConfig on a Node without zstd', () => {
  it('refuses OUTPUT_COMPRESSION=zstd, saying which Node it needs and which Node this is', () => {
    const thisNode = process.version.replace(/\./g, '\\.');
    expect(() => loadConfig(ParseConfigSchema, { OUTPUT_COMPRESSION: 'zstd' })).toThrow(
      new RegExp(`OUTPUT_COMPRESSION: zstd needs Node >= 22\\.15 \\(this is ${thisNode}\\); use gzip`),
    );
  });

  it('still accepts gzip there', () => {
    expect(loadConfig(ParseConfigSchema, { OUTPUT_COMPRESSION: 'gzip' }).OUTPUT_COMPRESSION).toBe('gzip');
  });
});
