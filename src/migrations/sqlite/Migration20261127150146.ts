import { Migration } from '@mikro-orm/migrations';

export class Migration20261127150146 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`users\` (\`id\` text not null, \`email\` text not null, \`password_hash\` text not null, \`role\` text check (\`role\` in ('USER', 'ADMIN')) not null default 'USER', \`is_active\` integer not null default false, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`password_changed_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`users_email_unique\` on \`users\` (\`email\`);`);

    this.addSql(
      `create table \`sessions\` (\`id\` text not null, \`user_id\` text not null, \`refresh_token_hash\` text not null, \`previous_token_hash\` text null, \`rotated_at\` datetime null, \`generation\` integer not null default 0, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`expires_at\` datetime not null, \`revoked_at\` datetime null, \`user_agent\` text null, \`ip\` text null, constraint \`sessions_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`create index \`sessions_revoked_at_index\` on \`sessions\` (\`revoked_at\`);`);

    this.addSql(
      `create table \`one_time_tokens\` (\`id\` text not null, \`user_id\` text not null, \`purpose\` text check (\`purpose\` in ('activation', 'reset')) not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`one_time_tokens_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`one_time_tokens_user_id_index\` on \`one_time_tokens\` (\`user_id\`);`,
    );
  }
}
