// An in-memory ObjectStore for unit tests of the ingest path, recording write order.

import type { ObjectRef, ObjectStore, OpenedObject } from '../../lib/ingest';
import { ObjectMissingError } from '../../lib/ingest';
import { createLogger, type Logger } from '../../lib/log';
import { chunks } from './pipeline-run';

export interface MemoryStore extends ObjectStore {
  objects: Map<string, Buffer>;
  writes: string[];
  /** Makes the next writeStream fail after consuming `afterBytes` of its body. */
  failNextWrite?: { afterBytes: number };
}

export function memoryStore(initial: Record<string, string | Buffer> = {}): MemoryStore {
  const objects = new Map(Object.entries(initial).map(([k, v]) => [k, Buffer.from(v)]));
  const store: MemoryStore = {
    objects,
    writes: [],
    takesLentChunks: true,
    open(ref: ObjectRef): Promise<OpenedObject> {
      const data = objects.get(`${ref.bucket}/${ref.key}`);
      if (!data) return Promise.reject(new ObjectMissingError(`s3://${ref.bucket}/${ref.key} no longer exists`));
      return Promise.resolve({ body: chunks(data, 1000), etag: 'etag-1', size: data.length });
    },
    exists(bucket, key): Promise<boolean> {
      return Promise.resolve(objects.has(`${bucket}/${key}`));
    },
    async writeStream(bucket, key, body): Promise<void> {
      const parts: Buffer[] = [];
      let seen = 0;
      const fail = store.failNextWrite;
      store.failNextWrite = undefined;
      for await (const b of body) {
        // Lent chunks (ObjectStore.writeStream): kept as copies.
        parts.push(Buffer.from(b));
        seen += b.length;
        if (fail && seen >= fail.afterBytes) throw new Error('upload failed (injected)');
      }
      objects.set(`${bucket}/${key}`, Buffer.concat(parts));
      store.writes.push(key);
    },
    writeJson(bucket, key, value): Promise<void> {
      objects.set(`${bucket}/${key}`, Buffer.from(JSON.stringify(value)));
      store.writes.push(key);
      return Promise.resolve();
    },
  };
  return store;
}

/** A logger that keeps its lines for assertions. */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({}, { level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return Object.assign(log, { lines });
}
