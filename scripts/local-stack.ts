// The local stack: serverless-offline (stage "local") with the embedded S3 (s3rver via
// serverless-s3-local) and the logs bucket. Used by `npm start`, `npm run demo` and the
// integration tests, so all three run the same processes.
//   tsx scripts/local-stack.ts        start and keep running until Ctrl-C

import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LOCAL_BUCKET = 'logs-repo';
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalStackOptions {
  s3Port?: number;
  lambdaPort?: number;
  /**
   * Port the functions call for the Lambda API (their LAMBDA_ENDPOINT); lambdaPort unless a
   * proxy sits between them and serverless-offline (the fault-injection tests).
   */
  lambdaEndpointPort?: number;
  httpPort?: number;
  /** s3rver's data folder; created if missing. */
  dataDir?: string;
  /** Extra environment for the functions (e.g. SOURCE_TIMEZONE). */
  env?: Record<string, string>;
  /** Echo the stack's output to this process's stdout. */
  echo?: boolean;
  startTimeoutMs?: number;
}

export interface LocalStack {
  s3Endpoint: string;
  lambdaEndpoint: string;
  bucket: string;
  /** Everything the stack printed so far (function logs included). */
  output(): string;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const s3Port = options.s3Port ?? 4569;
  const lambdaPort = options.lambdaPort ?? 3002;
  const httpPort = options.httpPort ?? 3000;
  const dataDir = resolve(options.dataDir ?? join(ROOT, '.s3-local'));
  mkdirSync(dataDir, { recursive: true });

  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // serverless-offline 13 does not handle the promise of an async (Event) invocation: one
      // failing notify (e.g. the webhook down) would end the whole local stack. A warning
      // instead; the function's own failure log says what went wrong.
      '--unhandled-rejections=warn',
      join(ROOT, 'node_modules/osls/bin/serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      // OFFLINE_LAMBDA_PORT (below) sets both where serverless-offline listens and where the
      // functions invoke; with a proxy between them, the CLI option (which wins) sets the former.
      ...(options.lambdaEndpointPort !== undefined ? ['--lambdaPort', String(lambdaPort)] : []),
    ],
    {
      cwd: ROOT,
      // Own process group, so stop() also ends the function workers it forks.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.env,
        S3_LOCAL_PORT: String(s3Port),
        S3_LOCAL_DIR: dataDir,
        OFFLINE_LAMBDA_PORT: String(options.lambdaEndpointPort ?? lambdaPort),
        OFFLINE_HTTP_PORT: String(httpPort),
        OFFLINE_WS_PORT: String(httpPort + 1),
        OFFLINE_ALB_PORT: String(httpPort + 3),
        // s3rver's signature code uses a cipher Node 17+ only has in the legacy provider.
        NODE_OPTIONS: [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' '),
        // The SDK's "Node 20 support ends" notice would bury the function logs.
        NODE_NO_WARNINGS: '1',
        SLS_TELEMETRY_DISABLED: '1',
      },
    },
  );
  // stdout and stderr arrive in pieces that may end mid-line (and mid-character): each stream
  // keeps its unfinished line, and only whole lines join the output, so a line from one
  // stream is never cut in two by a piece of the other (the tests parse these lines as JSON).
  const lines = (): ((buf: Buffer) => void) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    return (buf) => {
      pending += decoder.write(buf);
      const end = pending.lastIndexOf('\n');
      if (end === -1) return;
      const whole = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      output += whole;
      if (options.echo) process.stdout.write(whole);
    };
  };
  child.stdout?.on('data', lines());
  child.stderr?.on('data', lines());
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  const ready = `listening on http://127.0.0.1:${lambdaPort}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  while (!(output.includes(ready) && output.includes('S3 local started'))) {
    if (child.exitCode !== null) {
      throw new Error(`local stack exited with code ${child.exitCode} before it was ready:\n${output.slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`local stack not ready after ${options.startTimeoutMs ?? 90_000} ms:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    lambdaEndpoint: `http://127.0.0.1:${lambdaPort}`,
    bucket: LOCAL_BUCKET,
    output: () => output,
    stop,
  };
}

/** The JSON log lines a function printed, optionally only those with a given message. */
export function functionLogs(output: string, message?: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf('{"time"');
    if (at === -1) continue;
    try {
      const rec = JSON.parse(line.slice(at)) as Record<string, unknown>;
      if (message === undefined || rec.message === message) found.push(rec);
    } catch {
      /* a non-JSON line that happens to contain the marker */
    }
  }
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stack = await startLocalStack({ echo: true });
  process.stdout.write(
    [
      '',
      `Local stack ready: S3 ${stack.s3Endpoint} (bucket ${stack.bucket}, keys S3RVER/S3RVER), Lambda ${stack.lambdaEndpoint}`,
      'Upload the samples from another terminal:  npm run upload',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  const shutdown = (): void => {
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
