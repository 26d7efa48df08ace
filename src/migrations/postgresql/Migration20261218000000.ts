import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 * An MFA ticket of a reauthentication names the session its completion renews; the one-time tokens of
 * an email change carry the new address and the session that asked.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "name" varchar(100) null, add column "locale" varchar(35) not null default 'en', add column "metadata" jsonb not null default '{}', add column "app_metadata" jsonb not null default '{}';`,
    );
    this.addSql(`alter table "mfa_tickets" add column "session_id" uuid null;`);
    this.addSql(
      `alter table "one_time_tokens" add column "new_email" varchar(254) null, add column "session_id" uuid null;`,
    );
    this.addSql(
      `alter table "one_time_tokens" drop constraint if exists "one_time_tokens_purpose_check";`,
    );
    this.addSql(
      `alter table "one_time_tokens" add constraint "one_time_tokens_purpose_check" check("purpose" in ('activation', 'reset', 'email_change', 'email_change_old'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "one_time_tokens" drop constraint if exists "one_time_tokens_purpose_check";`,
    );
    this.addSql(`alter table "one_time_tokens" drop column "new_email", drop column "session_id";`);
    this.addSql(
      `alter table "one_time_tokens" add constraint "one_time_tokens_purpose_check" check("purpose" in ('activation', 'reset'));`,
    );
    this.addSql(`alter table "mfa_tickets" drop column "session_id";`);
    this.addSql(
      `alter table "users" drop column "name", drop column "locale", drop column "metadata", drop column "app_metadata";`,
    );
  }
}
