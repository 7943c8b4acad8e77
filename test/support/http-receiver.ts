// A real HTTP receiver for alert tests: records what it gets, and can answer with errors,
// hang past the client's timeout, or be down (not listening) for a while.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  body: string;
  json: unknown;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers `status` to the next `count` requests (then 200 again). */
  failNext(count: number, status?: number): void;
  /**
   * Answers `status` to every request whose body matches (one alert's sink is down), until
   * the returned function is called; other requests are served as usual.
   */
  failWhile(match: (body: string) => boolean, status?: number): () => void;
  /** Requests answered with an error (failNext, failWhile), in order. */
  rejected: Received[];
  /** Leaves the next `count` requests hanging for `ms` before answering 200. */
  stallNext(count: number, ms: number): void;
  /** Stops listening (connections refused) until up() is called. */
  down(): Promise<void>;
  up(): Promise<void>;
  attempts: number;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  let failing = { count: 0, status: 500 };
  let stalling = { count: 0, ms: 0 };
  const failWhen = new Set<{ match: (body: string) => boolean; status: number }>();
  const received: Received[] = [];
  const rejected: Received[] = [];
  const state = { attempts: 0 };
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      state.attempts += 1;
      const body = Buffer.concat(parts).toString('utf8');
      const record = (): Received => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        return { at: Date.now(), body, json };
      };
      let status: number | undefined;
      if (failing.count > 0) {
        failing.count -= 1;
        status = failing.status;
      } else {
        status = [...failWhen].find((f) => f.match(body))?.status;
      }
      if (status !== undefined) {
        rejected.push(record());
        res.writeHead(status).end('no');
        return;
      }
      const accept = () => {
        received.push(record());
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (stalling.count > 0) {
        stalling.count -= 1;
        // The client gives up first; what arrives after its timeout is not counted.
        setTimeout(() => res.destroy(), stalling.ms);
        return;
      }
      accept();
    });
  };
  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    received,
    failNext(count, status = 500) {
      failing = { count, status };
    },
    failWhile(match, status = 503) {
      const entry = { match, status };
      failWhen.add(entry);
      return () => failWhen.delete(entry);
    },
    rejected,
    stallNext(count, ms) {
      stalling = { count, ms };
    },
    async down() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async up() {
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(bound, '127.0.0.1', r));
    },
    get attempts() {
      return state.attempts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
