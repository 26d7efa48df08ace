import { Migration } from '@mikro-orm/migrations';

/** Passkeys (WebAuthn credentials) and the challenges handed out for them. */
export class Migration20261211000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`passkeys\` (\`id\` text not null, \`user_id\` text not null, \`credential_id\` text not null, \`public_key\` text not null, \`counter\` integer not null, \`transports\` text null, \`backed_up\` integer not null default false, \`name\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, constraint \`passkeys_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`passkeys_user_id_index\` on \`passkeys\` (\`user_id\`);`);
    this.addSql(
      `create unique index \`passkeys_credential_id_unique\` on \`passkeys\` (\`credential_id\`);`,
    );

    this.addSql(
      `create table \`passkey_challenges\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('registration', 'authentication')) not null, \`user_id\` text null, \`challenge\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`passkey_challenges_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`passkey_challenges_user_id_index\` on \`passkey_challenges\` (\`user_id\`);`,
    );
    this.addSql(
      `create index \`passkey_challenges_expires_at_index\` on \`passkey_challenges\` (\`expires_at\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`passkey_challenges\`;`);
    this.addSql(`drop table if exists \`passkeys\`;`);
  }
}
