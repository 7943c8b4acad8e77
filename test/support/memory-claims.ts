// An in-memory ClaimStore with the same semantics as S3: putIfAbsent is atomic; the
// check-then-put fallback yields between its read and its write, as a network store does.

import type { ClaimStore } from '../../lib/alerts/claims';

export function memoryClaims(): ClaimStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  const tick = () => new Promise<void>((r) => setImmediate(r));
  return {
    objects,
    async putIfAbsent(key, body) {
      await tick();
      if (objects.has(key)) return 'exists';
      objects.set(key, body);
      return 'created';
    },
    async get(key) {
      await tick();
      return objects.get(key);
    },
    async put(key, body) {
      await tick();
      objects.set(key, body);
    },
    async delete(key) {
      await tick();
      objects.delete(key);
    },
  };
}
