import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "name" varchar(100) null, add column "locale" varchar(35) not null default 'en', add column "metadata" jsonb not null default '{}', add column "app_metadata" jsonb not null default '{}';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "users" drop column "name", drop column "locale", drop column "metadata", drop column "app_metadata";`,
    );
  }
}
