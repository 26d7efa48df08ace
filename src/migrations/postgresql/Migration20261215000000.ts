import { Migration } from '@mikro-orm/migrations';

/**
 * Nothing to change: PostgreSQL already holds what the entities declare (the SQLite twin respells
 * users.disabled's default and passkeys.counter's type). Kept so both dialects list the same migrations.
 */
export class Migration20261215000000 extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
