import { Migration } from '@mikro-orm/migrations';

/**
 * The account's own data: a display name, the language of its mail, the user's own metadata and the
 * metadata only administrators write (copied into access tokens). Existing rows take the defaults.
 * An MFA ticket of a reauthentication names the session its completion renews; the one-time tokens of
 * an email change carry the new address and the session that asked.
 */
export class Migration20261218000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `users` add column `name` text null;');
    this.addSql("alter table `users` add column `locale` text not null default 'en';");
    this.addSql("alter table `users` add column `metadata` json not null default '{}';");
    this.addSql("alter table `users` add column `app_metadata` json not null default '{}';");
    this.addSql('alter table `mfa_tickets` add column `session_id` text null;');
    this.addSql('alter table `one_time_tokens` add column `new_email` text null;');
    this.addSql('alter table `one_time_tokens` add column `session_id` text null;');
    // Two more purposes in the CHECK: SQLite cannot alter a constraint, and rebuilding the table inside
    // the migration's transaction is not possible with foreign keys on; the stored schema text is edited
    // as in Migration20261212000000 (no data is touched, every existing row still passes).
    const rows = (await this.execute('pragma schema_version')) as Array<{
      schema_version: number;
    }>;
    const version = Number(rows[0]!.schema_version);
    this.addSql('pragma writable_schema = on;');
    this.addSql(
      "update sqlite_master set sql = replace(sql, 'check (`purpose` in (''activation'', ''reset''))', 'check (`purpose` in (''activation'', ''reset'', ''email_change'', ''email_change_old''))') where type = 'table' and name = 'one_time_tokens';",
    );
    this.addSql(`pragma schema_version = ${version + 1};`);
    this.addSql('pragma writable_schema = off;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `one_time_tokens` drop column `session_id`;');
    this.addSql('alter table `one_time_tokens` drop column `new_email`;');
    this.addSql('alter table `mfa_tickets` drop column `session_id`;');
    for (const column of ['app_metadata', 'metadata', 'locale', 'name'])
      this.addSql(`alter table \`users\` drop column \`${column}\`;`);
  }
}
