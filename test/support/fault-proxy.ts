// A real HTTP proxy on 127.0.0.1 between the functions and what they call: the local S3
// and serverless-offline's Lambda API (/2015-03-31/functions/...). It forwards every request
// and records it; a test switches faults on per request:
//   status    answer an error (S3 XML / Lambda JSON) instead of forwarding
//   cut-body  forward, then destroy the connection after N bytes of the response body
//             (optionally stalling there until the test lets it drop)
//   reset     destroy the connection without an answer (the service is unreachable)
//   hold      keep the request until the test releases it, then forward it
// An async invocation (InvocationType Event) is answered 202 by the proxy and run upstream
// as a synchronous one, whose outcome the proxy records: serverless-offline starts an Event
// invocation without handling its failure, so a failing async notify would take the whole
// local stack down (Lambda instead retries it). Tests replay a failed one themselves.
// The Host header is forwarded unchanged: SigV4 signs it, and a store that checks signatures
// (AWS, Ceph) would reject a rewritten one. (s3rver checks only the access key of a SigV4
// request, so with it a rewritten Host would go unnoticed; keeping it makes the proxy valid
// in front of any store.)

import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Service = 's3' | 'lambda';

export type Operation =
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'ListObjects'
  | 'BucketOther'
  | 'ObjectOther'
  | 'Invoke'
  | 'Other';

export interface ProxiedRequest {
  seq: number;
  at: number;
  service: Service;
  method: string;
  url: string;
  operation: Operation;
  bucket?: string;
  /** S3: the object key, decoded. */
  key?: string;
  uploadId?: string;
  /** Lambda: the function invoked and how (Event = async). */
  functionName?: string;
  invocationType?: string;
  /** Lambda: the invocation payload, kept so that a test can replay it as Lambda's retry would. */
  body?: string;
  /** When the client's exchange ended (answered, or the connection closed). */
  finishedAt?: number;
  /** The status the client got (upstream's or the injected one); undefined if cut or still open. */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: Fault['kind'];
  /** Lambda: the invocation has run to its end (for an Event invocation, after the 202). */
  ended?: boolean;
  /** Lambda: the function failed (X-Amz-Function-Error); its error payload. */
  functionError?: string;
}

export type Fault =
  | { kind: 'status'; status: number; code?: string }
  /** `holdUntil`: the connection stalls after those bytes until then, and is cut only then. */
  | { kind: 'cut-body'; afterBytes: number; holdUntil?: Promise<void> }
  | { kind: 'reset' }
  | { kind: 'hold'; until: Promise<void> };

export interface Rule {
  service?: Service;
  operation?: Operation | Operation[];
  /** S3 object key, exact, or a test on it. */
  key?: string | ((key: string) => boolean);
  functionName?: string;
  /** Lambda: a test on the invocation payload (e.g. which chunk a notify batch is from). */
  payload?: (body: string) => boolean;
  fault: Fault;
  /** Applies to this many matching requests, then lapses; default: until removed. */
  times?: number;
}

export interface ActiveRule {
  /** Requests this rule has faulted so far. */
  readonly hits: number;
  remove(): void;
}

export interface FaultProxy {
  port: number;
  url: string;
  /** Every request seen, in arrival order. */
  requests: ProxiedRequest[];
  add(rule: Rule): ActiveRule;
  /** Removes every rule (the fault clears). */
  clear(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  port: number;
  s3: string;
  lambda: string;
}

const LAMBDA_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

const S3_CODES: Record<number, string> = { 400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchKey', 500: 'InternalError', 503: 'ServiceUnavailable' };

/** What a request is, from its method, path and query (path-style S3 addressing). */
export function classify(method: string, url: string): Omit<ProxiedRequest, 'seq' | 'at' | 'url' | 'method'> {
  const parsed = new URL(url, 'http://proxy');
  const lambda = LAMBDA_PATH.exec(parsed.pathname);
  if (lambda) return { service: 'lambda', operation: 'Invoke', functionName: decodeURIComponent(lambda[1] ?? '') };
  const [, bucket = '', ...rest] = parsed.pathname.split('/');
  const key = rest.length > 0 && rest.join('/') !== '' ? rest.map((s) => decodeURIComponent(s)).join('/') : undefined;
  const q = parsed.searchParams;
  const uploadId = q.get('uploadId') ?? undefined;
  const base = { service: 's3' as const, bucket: decodeURIComponent(bucket), ...(key !== undefined ? { key } : {}), ...(uploadId ? { uploadId } : {}) };
  const op = ((): Operation => {
    if (key === undefined) {
      if (q.has('uploads')) return 'ListMultipartUploads';
      if (method === 'GET' && (q.has('list-type') || [...q.keys()].every((k) => ['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'x-id'].includes(k)))) {
        return 'ListObjects';
      }
      return 'BucketOther';
    }
    if (uploadId) {
      if (method === 'PUT') return 'UploadPart';
      if (method === 'POST') return 'CompleteMultipartUpload';
      if (method === 'DELETE') return 'AbortMultipartUpload';
      if (method === 'GET') return 'ListParts';
    }
    if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
    const sub = [...q.keys()].filter((k) => k !== 'x-id');
    if (sub.length > 0) return 'ObjectOther';
    if (method === 'GET') return 'GetObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'DELETE') return 'DeleteObject';
    if (method === 'PUT') return 'PutObject';
    return 'ObjectOther';
  })();
  return { ...base, operation: op };
}

function matches(rule: Rule, r: ProxiedRequest): boolean {
  if (rule.service && rule.service !== r.service) return false;
  if (rule.operation && !(Array.isArray(rule.operation) ? rule.operation : [rule.operation]).includes(r.operation)) return false;
  if (rule.functionName !== undefined && rule.functionName !== r.functionName) return false;
  if (rule.payload && (r.body === undefined || !rule.payload(r.body))) return false;
  if (rule.key !== undefined) {
    if (r.key === undefined) return false;
    if (typeof rule.key === 'string' ? rule.key !== r.key : !rule.key(r.key)) return false;
  }
  return true;
}

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  // Host stays as the client signed it; only hop-by-hop headers are the proxy's own business.
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstreams: Record<Service, URL> = { s3: new URL(options.s3), lambda: new URL(options.lambda) };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const rules: { rule: Rule; hits: number; removed: boolean }[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const take = (r: ProxiedRequest): Fault | undefined => {
    for (const entry of rules) {
      if (entry.removed || !matches(entry.rule, r)) continue;
      if (entry.rule.times !== undefined && entry.hits >= entry.rule.times) continue;
      entry.hits += 1;
      return entry.rule.fault;
    }
    return undefined;
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => resolve(Buffer.concat(parts)));
      req.on('error', reject);
    });

  const answer = (req: IncomingMessage, res: ServerResponse, info: ProxiedRequest, status: number, code: string | undefined): void => {
    info.status = status;
    if (info.service === 'lambda') {
      const body = JSON.stringify({ message: `injected by the fault proxy (${status})` });
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code ?? 'ServiceException', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code ?? S3_CODES[status] ?? 'InternalError'}</Code>` +
      `<Message>injected by the fault proxy</Message><RequestId>fault-proxy-${info.seq}</RequestId></Error>`;
    if (req.method === 'HEAD') {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    info: ProxiedRequest,
    body: Buffer | undefined,
    cut?: { afterBytes: number; holdUntil?: Promise<void> },
  ): void => {
    const target = upstreams[info.service];
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwardHeaders(req.headers), agent },
      (upRes) => {
        const headers = forwardHeaders(upRes.headers);
        if (cut === undefined) {
          info.status = upRes.statusCode;
          if (upRes.headers['x-amz-function-error'] !== undefined) info.functionError = String(upRes.headers['x-amz-function-error']);
          upRes.on('end', () => (info.ended = true));
          res.writeHead(upRes.statusCode ?? 502, headers);
          upRes.pipe(res);
          return;
        }
        // Headers (with the full Content-Length) go out, then only `cutAfter` body bytes.
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.flushHeaders();
        let sent = 0;
        const drop = (): void => {
          upRes.destroy();
          req.socket.destroy();
        };
        const dropLater = (): void => {
          upRes.pause();
          if (cut.holdUntil) void cut.holdUntil.then(drop);
          else setImmediate(drop);
        };
        if (cut.afterBytes === 0) {
          dropLater();
          return;
        }
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= cut.afterBytes) return;
          const room = cut.afterBytes - sent;
          const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
          sent += piece.length;
          res.write(piece);
          // Not from write's callback: that waits for the client to read, and a client that
          // has stopped reading would then never see the cut.
          if (sent >= cut.afterBytes) dropLater();
        });
        // Once cut, the rest may still arrive before the pause takes hold; ending the response
        // then would leave the client waiting for bytes that never come (a stall, not a cut).
        upRes.on('end', () => {
          if (sent < cut.afterBytes) res.end();
        });
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) {
        info.status = 502;
        res.writeHead(502).end();
      } else {
        req.socket.destroy();
      }
    });
    if (body !== undefined) upstream.end(body);
    else req.pipe(upstream);
  };

  /** An accepted Event invocation, run to its end as a RequestResponse one. */
  const runAsync = (req: IncomingMessage, info: ProxiedRequest, body: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const target = upstreams.lambda;
      const headers = { ...forwardHeaders(req.headers), 'x-amz-invocation-type': 'RequestResponse', 'content-length': String(body.length) };
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: 'POST', path: req.url, headers, agent }, (upRes) => {
        const parts: Buffer[] = [];
        upRes.on('data', (b: Buffer) => parts.push(b));
        upRes.on('end', () => {
          const failed = upRes.headers['x-amz-function-error'] !== undefined || (upRes.statusCode ?? 500) >= 300;
          if (failed) info.functionError = Buffer.concat(parts).toString('utf8') || `HTTP ${upRes.statusCode}`;
          info.ended = true;
          resolve();
        });
      });
      upstream.on('error', (err) => {
        info.functionError = `Lambda API unreachable: ${err.message}`;
        info.ended = true;
        resolve();
      });
      upstream.end(body);
    });

  const server: Server = createServer((req, res) => {
    const info: ProxiedRequest = { seq: requests.length + 1, at: Date.now(), method: req.method ?? 'GET', url: req.url ?? '/', ...classify(req.method ?? 'GET', req.url ?? '/') };
    requests.push(info);
    res.on('close', () => (info.finishedAt ??= Date.now()));
    void (async () => {
      // Lambda payloads are small (< 6 MB): kept whole, for replays.
      let body: Buffer | undefined;
      if (info.service === 'lambda') {
        body = await readBody(req);
        info.body = body.toString('utf8');
        const type = req.headers['x-amz-invocation-type'];
        info.invocationType = typeof type === 'string' ? type : 'RequestResponse';
      }
      let fault = take(info);
      if (fault?.kind === 'hold') {
        info.fault = 'hold';
        await fault.until;
        fault = undefined;
      }
      if (fault) info.fault = fault.kind;
      switch (fault?.kind) {
        case undefined:
          if (info.service === 'lambda' && info.invocationType === 'Event') {
            info.status = 202;
            res.writeHead(202, { 'content-length': 0 }).end();
            await runAsync(req, info, body ?? Buffer.alloc(0));
            return;
          }
          forward(req, res, info, body);
          return;
        case 'cut-body':
          forward(req, res, info, body, fault);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'status': {
          const { status, code } = fault;
          // Read the request to its end first: the client then sees the answer, not a broken pipe.
          if (body === undefined) await readBody(req);
          answer(req, res, info, status, code);
          return;
        }
      }
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    add(rule) {
      const entry = { rule, hits: 0, removed: false };
      rules.push(entry);
      return {
        get hits() {
          return entry.hits;
        },
        remove() {
          entry.removed = true;
        },
      };
    },
    clear() {
      for (const entry of rules) entry.removed = true;
      rules.length = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
