import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 * An MFA ticket of a reauthentication names the session its completion renews.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "name" varchar(100) null, add column "locale" varchar(35) not null default 'en', add column "metadata" jsonb not null default '{}', add column "app_metadata" jsonb not null default '{}';`,
    );
    this.addSql(`alter table "mfa_tickets" add column "session_id" uuid null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "mfa_tickets" drop column "session_id";`);
    this.addSql(
      `alter table "users" drop column "name", drop column "locale", drop column "metadata", drop column "app_metadata";`,
    );
  }
}
