// The CLI runs the same pipeline as the functions, but its stdout is data (records, watch's
// pass lines): no EMF document may land there. It publishes no metrics at all, so the
// metrics library must not even be in its bundles (the entry points of scripts/build-cli.mjs).
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const inputsOf = async (entry: string) =>
  Object.keys((await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent' })).metafile.inputs);
const metricsCode = (inputs: string[]) => inputs.filter((p) => p.includes('@aws-lambda-powertools') || p.endsWith('adapters/metrics.ts'));

describe('the CLI bundles', () => {
  it.each(['cli/bin.ts', 'cli/backfill.ts', 'cli/watch.ts'])('%s holds the pipeline but no metrics code', async (entry) => {
    const inputs = await inputsOf(entry);
    expect(inputs).toContain('lib/pipeline.ts');
    expect(metricsCode(inputs)).toEqual([]);
  });

  it('while the function bundles hold it (so the check above looks for the right files)', async () => {
    expect(metricsCode(await inputsOf('functions/ingest.ts'))).toContain('functions/adapters/metrics.ts');
  });
});
