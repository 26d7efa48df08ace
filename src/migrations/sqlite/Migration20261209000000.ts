import { Migration } from '@mikro-orm/migrations';

/** TOTP on users, recovery codes, sign-in tickets, 6-digit codes beside emailed links, sign-in codes. */
export class Migration20261209000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`users\` add column \`totp_secret\` text null;`);
    this.addSql(`alter table \`users\` add column \`totp_enabled_at\` datetime null;`);
    this.addSql(`alter table \`users\` add column \`totp_last_step\` integer null;`);
    this.addSql(`alter table \`one_time_tokens\` add column \`code_hash\` text null;`);
    this.addSql(`alter table \`one_time_tokens\` add column \`code_expires_at\` datetime null;`);
    this.addSql(
      `alter table \`one_time_tokens\` add column \`code_attempts\` integer not null default 0;`,
    );
    this.addSql(
      `create table \`recovery_codes\` (\`id\` text not null, \`user_id\` text not null, \`code_hash\` text not null, \`created_at\` datetime not null, \`used_at\` datetime null, constraint \`recovery_codes_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`recovery_codes_user_id_index\` on \`recovery_codes\` (\`user_id\`);`,
    );
    this.addSql(
      `create table \`mfa_tickets\` (\`id\` text not null, \`ticket_hash\` text not null, \`user_id\` text not null, \`method\` text not null, \`attempts\` integer not null default 0, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`used_at\` datetime null, constraint \`mfa_tickets_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`mfa_tickets_ticket_hash_unique\` on \`mfa_tickets\` (\`ticket_hash\`);`,
    );
    this.addSql(`create index \`mfa_tickets_user_id_index\` on \`mfa_tickets\` (\`user_id\`);`);
    this.addSql(
      `create table \`sign_in_codes\` (\`id\` text not null, \`user_id\` text not null, \`code_hash\` text not null, \`code_expires_at\` datetime not null, \`code_attempts\` integer not null default 0, \`created_at\` datetime not null, \`used_at\` datetime null, constraint \`sign_in_codes_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`sign_in_codes_user_id_index\` on \`sign_in_codes\` (\`user_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`sign_in_codes\`;`);
    this.addSql(`drop table if exists \`mfa_tickets\`;`);
    this.addSql(`drop table if exists \`recovery_codes\`;`);
    for (const column of ['code_attempts', 'code_expires_at', 'code_hash'])
      this.addSql(`alter table \`one_time_tokens\` drop column \`${column}\`;`);
    for (const column of ['totp_last_step', 'totp_enabled_at', 'totp_secret'])
      this.addSql(`alter table \`users\` drop column \`${column}\`;`);
  }
}
