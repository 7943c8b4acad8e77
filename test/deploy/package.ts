// Packages the stack as it would be deployed (`osls package`, offline, no AWS credentials)
// into a temporary folder, and reads what it wrote.

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface Packaged {
  dir: string;
  /** cloudformation-template-update-stack.json */
  template: { Resources: Record<string, CfnResource>; Outputs: Record<string, { Value: unknown }> };
  /** Every JSON file written (both templates, serverless-state.json, which a deploy uploads too), by name. */
  files: Record<string, string>;
  remove(): void;
}

export async function packageStack(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-package-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'dev', '--package', dir, ...args], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
  return {
    dir,
    template: JSON.parse(files['cloudformation-template-update-stack.json'] ?? '') as Packaged['template'],
    files,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Each function's environment in the template (provider variables merged in), by logical ID. */
export function functionEnvironments(template: Packaged['template']): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [id, ((r.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {})]),
  );
}
