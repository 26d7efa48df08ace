import bcrypt from 'bcrypt';
import { randomSecret } from '../tokens/random';

/** bcrypt through its async API only: the work runs on libuv's pool, never on the event loop. */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /** Same work as a real compare, for unknown accounts: sign-in timing must not reveal who is registered. */
  async dummyVerify(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash(randomSecret(16), this.cost);
    await bcrypt.compare(password, await this.dummyHash);
    return false;
  }

  /** Computes the dummy hash up front so the first unknown-user sign-in is not the fast one. */
  async warmUp(): Promise<void> {
    await this.dummyVerify('warm-up');
  }
}
