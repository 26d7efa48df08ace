import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `users` add column `name` text null;');
    this.addSql("alter table `users` add column `locale` text not null default 'en';");
    this.addSql("alter table `users` add column `metadata` json not null default '{}';");
    this.addSql("alter table `users` add column `app_metadata` json not null default '{}';");
  }

  override async down(): Promise<void> {
    for (const column of ['app_metadata', 'metadata', 'locale', 'name'])
      this.addSql(`alter table \`users\` drop column \`${column}\`;`);
  }
}
