import { hkdfSync } from 'node:crypto';

/**
 * Keys derived from JWT_SECRET, one per purpose (HKDF-SHA256 with the purpose as label), so no two
 * features ever share a key. Minimal version for passkeys; issue 15 owns the full one.
 */
export class ServerSecrets {
  private readonly derived = new Map<string, Buffer[]>();

  constructor(
    private readonly current: string,
    private readonly previous: readonly string[],
  ) {}

  /** What new data uses. */
  key(label: string): Buffer {
    return this.keys(label)[0]!;
  }

  /** Current first, then one per JWT_PREVIOUS_SECRETS: what old data may have been made with. */
  keys(label: string): Buffer[] {
    let keys = this.derived.get(label);
    if (!keys) {
      keys = [this.current, ...this.previous].map((secret) =>
        Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `authql ${label}`, 32)),
      );
      this.derived.set(label, keys);
    }
    return keys;
  }
}
