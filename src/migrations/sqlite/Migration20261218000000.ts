import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 * An MFA ticket of a reauthentication names the session its completion renews.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `users` add column `name` text null;');
    this.addSql("alter table `users` add column `locale` text not null default 'en';");
    this.addSql("alter table `users` add column `metadata` json not null default '{}';");
    this.addSql("alter table `users` add column `app_metadata` json not null default '{}';");
    this.addSql('alter table `mfa_tickets` add column `session_id` text null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `mfa_tickets` drop column `session_id`;');
    for (const column of ['app_metadata', 'metadata', 'locale', 'name'])
      this.addSql(`alter table \`users\` drop column \`${column}\`;`);
  }
}
