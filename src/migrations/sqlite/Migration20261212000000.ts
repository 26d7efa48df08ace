import { Migration } from '@mikro-orm/migrations';

/** Social sign-in: accounts without a password, linked provider identities, short-lived flow state. */
export class Migration20261212000000 extends Migration {
  override async up(): Promise<void> {
    // SQLite cannot drop NOT NULL in place, and rebuilding `users` would fire ON DELETE CASCADE into every
    // table that references it (foreign_keys cannot be turned off inside the migration's transaction).
    // SQLite documents this edit of the stored schema text for removing a NOT NULL: no data is touched.
    const rows = (await this.execute('pragma schema_version')) as Array<{
      schema_version: number;
    }>;
    const version = Number(rows[0]!.schema_version);
    this.addSql('pragma writable_schema = on;');
    this.addSql(
      "update sqlite_master set sql = replace(sql, '`password_hash` text not null', '`password_hash` text null') where type = 'table' and name = 'users';",
    );
    this.addSql(`pragma schema_version = ${version + 1};`);
    this.addSql('pragma writable_schema = off;');

    this.addSql(
      `create table \`linked_accounts\` (\`id\` text not null, \`user_id\` text not null, \`provider\` text not null, \`subject\` text not null, \`email\` text null, \`email_verified\` integer not null, \`created_at\` datetime not null, constraint \`linked_accounts_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`linked_accounts_provider_subject_unique\` on \`linked_accounts\` (\`provider\`, \`subject\`);`,
    );
    this.addSql(
      `create unique index \`linked_accounts_user_id_provider_unique\` on \`linked_accounts\` (\`user_id\`, \`provider\`);`,
    );

    this.addSql(
      `create table \`oauth_states\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('flow', 'link', 'code')) not null, \`provider\` text not null, \`user_id\` text null, \`redirect_to\` text null, \`app_state\` text null, \`code_verifier\` text null, \`nonce\` text null, \`browser_hash\` text null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`oauth_states_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`oauth_states_user_id_index\` on \`oauth_states\` (\`user_id\`);`);
    this.addSql(
      `create index \`oauth_states_expires_at_index\` on \`oauth_states\` (\`expires_at\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `oauth_states`;');
    this.addSql('drop table if exists `linked_accounts`;');
  }
}
