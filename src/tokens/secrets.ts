import { hkdfSync } from 'node:crypto';

/**
 * Keys derived from JWT_SECRET, one per purpose (HKDF-SHA256 with its own label), so no two uses ever
 * share a key. `key` is what new data uses; `keys` adds one per retired secret, for data made before a
 * rotation.
 */
export class ServerSecrets {
  private readonly cache = new Map<string, Buffer[]>();

  constructor(
    private readonly current: string,
    private readonly previous: readonly string[],
  ) {}

  key(label: string): Buffer {
    return this.keys(label)[0]!;
  }

  keys(label: string): Buffer[] {
    let derived = this.cache.get(label);
    if (!derived) {
      derived = [this.current, ...this.previous].map((secret) =>
        Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `authql ${label}`, 32)),
      );
      this.cache.set(label, derived);
    }
    return derived;
  }
}
