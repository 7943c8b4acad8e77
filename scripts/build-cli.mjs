// Bundles the CLI into dist/cli.cjs (run by `npm install`/`npm ci` through "prepare"),
// so `npx audit-ingest` starts without a TypeScript loader.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

await build({
  entryPoints: ['cli/bin.ts'],
  outfile: 'dist/cli.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
await chmod('dist/cli.cjs', 0o755);
