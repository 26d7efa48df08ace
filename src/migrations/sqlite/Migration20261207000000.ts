import { Migration } from '@mikro-orm/migrations';

/** one_time_tokens.password_hash: the password a sign-up's activation link activates (pre-takeover fix). */
export class Migration20261207000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`one_time_tokens\` add column \`password_hash\` text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`one_time_tokens\` drop column \`password_hash\`;`);
  }
}
