import { Migration } from '@mikro-orm/migrations';

/** TOTP on users, recovery codes, sign-in tickets, 6-digit codes beside emailed links, sign-in codes. */
export class Migration20261209000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "totp_secret" text null, add column "totp_enabled_at" timestamptz null, add column "totp_last_step" int null;`,
    );
    this.addSql(
      `alter table "one_time_tokens" add column "code_hash" varchar(64) null, add column "code_expires_at" timestamptz null, add column "code_attempts" int not null default 0;`,
    );
    this.addSql(
      `create table "recovery_codes" ("id" uuid not null, "user_id" uuid not null, "code_hash" varchar(64) not null, "created_at" timestamptz not null, "used_at" timestamptz null, constraint "recovery_codes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "recovery_codes_user_id_index" on "recovery_codes" ("user_id");`);
    this.addSql(
      `alter table "recovery_codes" add constraint "recovery_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "mfa_tickets" ("id" uuid not null, "ticket_hash" varchar(64) not null, "user_id" uuid not null, "method" varchar(16) not null, "attempts" int not null default 0, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "mfa_tickets_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "mfa_tickets" add constraint "mfa_tickets_ticket_hash_unique" unique ("ticket_hash");`,
    );
    this.addSql(`create index "mfa_tickets_user_id_index" on "mfa_tickets" ("user_id");`);
    this.addSql(
      `alter table "mfa_tickets" add constraint "mfa_tickets_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create table "sign_in_codes" ("id" uuid not null, "user_id" uuid not null, "code_hash" varchar(64) not null, "code_expires_at" timestamptz not null, "code_attempts" int not null default 0, "created_at" timestamptz not null, "used_at" timestamptz null, constraint "sign_in_codes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "sign_in_codes_user_id_index" on "sign_in_codes" ("user_id");`);
    this.addSql(
      `alter table "sign_in_codes" add constraint "sign_in_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sign_in_codes";`);
    this.addSql(`drop table if exists "mfa_tickets";`);
    this.addSql(`drop table if exists "recovery_codes";`);
    this.addSql(
      `alter table "one_time_tokens" drop column "code_attempts", drop column "code_expires_at", drop column "code_hash";`,
    );
    this.addSql(
      `alter table "users" drop column "totp_last_step", drop column "totp_enabled_at", drop column "totp_secret";`,
    );
  }
}
