// The deployable size of each function: runs `osls package --stage dev` (offline, no AWS
// credentials) and reads each function's zip. It packages a copy of the project in a temp
// folder: serverless-esbuild writes its work folder (.esbuild/) inside the service folder,
// and a package run there would race with a serverless-offline stack that uses the same
// folder (npm start, the integration tests).

import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './config';
import { listZip } from './zip';

export interface FunctionPackage {
  name: string;
  zipBytes: number;
  /** The bundled handler(s) inside, without source maps. */
  cjs: { name: string; bytes: number }[];
  /** Everything inside, source maps included. */
  unpackedBytes: number;
}

/** What a service needs to package; data, outputs and dependencies stay behind. */
const SKIP = new Set(['node_modules', '.git', '.bench', '.stores', '.s3-local', '.serverless', '.esbuild', '.build', 'dist', 'coverage']);

export async function packageSizes(): Promise<FunctionPackage[]> {
  const work = await mkdtemp(join(tmpdir(), 'bench-package-'));
  try {
    const service = join(work, 'service');
    const out = join(work, 'out');
    for (const entry of await readdir(ROOT)) {
      if (!SKIP.has(entry)) await cp(join(ROOT, entry), join(service, entry), { recursive: true });
    }
    await symlink(join(ROOT, 'node_modules'), join(service, 'node_modules'), 'dir');
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'dev', '--package', out],
      { cwd: service, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, maxBuffer: 16 * 1024 * 1024 },
    );
    const zips = (await readdir(out)).filter((f) => f.endsWith('.zip') && f !== 'custom-resources.zip').sort();
    const result: FunctionPackage[] = [];
    for (const zip of zips) {
      const entries = await listZip(join(out, zip));
      result.push({
        name: zip.replace(/\.zip$/, ''),
        zipBytes: (await stat(join(out, zip))).size,
        cjs: entries.filter((e) => e.name.endsWith('.cjs')).map((e) => ({ name: e.name, bytes: e.bytes })),
        unpackedBytes: entries.reduce((sum, e) => sum + e.bytes, 0),
      });
    }
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
