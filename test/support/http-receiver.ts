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
  const received: Received[] = [];
  const state = { attempts: 0 };
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      state.attempts += 1;
      if (failing.count > 0) {
        failing.count -= 1;
        res.writeHead(failing.status).end('no');
        return;
      }
      const accept = () => {
        const body = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        received.push({ at: Date.now(), body, json });
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
