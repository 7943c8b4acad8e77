// Builds what the bench runs as child processes: the product's CLI (`npm run build`,
// dist/cli.cjs, exactly what users run) and the bench's own children, bundled to plain
// CommonJS under .bench/build/ so they start with `node` alone. No TypeScript loader runs
// inside a measured process: tsx's loader thread would add its own memory to the peak RSS.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUILD_DIR, ROOT } from './config';

export interface Bundles {
  cli: string;
  ingestChild: string;
  readlineCount: string;
  s3Server: string;
}

export async function buildAll(): Promise<Bundles> {
  await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' } as const;
  await Promise.all([
    // Bundled like the ingest function itself (serverless.yml: everything bundled, minified).
    build({ ...common, entryPoints: [join(ROOT, 'bench/ingest-child.ts')], outfile: join(BUILD_DIR, 'ingest-child.cjs'), minify: true }),
    build({ ...common, entryPoints: [join(ROOT, 'bench/readline-count.ts')], outfile: join(BUILD_DIR, 'readline-count.cjs') }),
    // s3rver stays in node_modules (found from .bench/build/ by walking up to the project).
    build({ ...common, entryPoints: [join(ROOT, 'bench/s3-server.ts')], outfile: join(BUILD_DIR, 's3-server.cjs'), packages: 'external' }),
  ]);
  return {
    cli: join(ROOT, 'dist/cli.cjs'),
    ingestChild: join(BUILD_DIR, 'ingest-child.cjs'),
    readlineCount: join(BUILD_DIR, 'readline-count.cjs'),
    s3Server: join(BUILD_DIR, 's3-server.cjs'),
  };
}
