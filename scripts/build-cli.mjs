// Bundles the CLI into dist/cli.cjs (run by `npm install`/`npm ci` through "prepare"),
// so `npx audit-ingest` starts without a TypeScript loader. `backfill` and the S3 client it
// needs (twice the size of the rest) are a file of their own, dist/backfill.cjs (watch: dist/watch.cjs), loaded
// only by that command: `parse` starts without reading and compiling them.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' };

/** cli/audit-ingest.ts's `import('./backfill')` and `import('./watch')` load the separate bundles at run time. */
const backfillApart = {
  name: 'backfill-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/(backfill|watch)$/ }, (args) => ({ path: `${args.path}.cjs`, external: true }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: ['cli/bin.ts'], outfile: 'dist/cli.cjs', banner: { js: '#!/usr/bin/env node' }, plugins: [backfillApart] }),
  build({ ...common, entryPoints: ['cli/backfill.ts'], outfile: 'dist/backfill.cjs' }),
  build({ ...common, entryPoints: ['cli/watch.ts'], outfile: 'dist/watch.cjs' }),
]);
await chmod('dist/cli.cjs', 0o755);
