import { Migration } from '@mikro-orm/migrations';

export class Migration20261127150146 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "users" ("id" uuid not null, "email" varchar(254) not null, "password_hash" varchar(100) not null, "role" text check ("role" in ('USER', 'ADMIN')) not null default 'USER', "is_active" boolean not null default false, "created_at" timestamptz not null, "updated_at" timestamptz not null, "password_changed_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(
      `create table "sessions" ("id" uuid not null, "user_id" uuid not null, "refresh_token_hash" varchar(64) not null, "previous_token_hash" varchar(64) null, "rotated_at" timestamptz null, "generation" int not null default 0, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "user_agent" varchar(512) null, "ip" varchar(64) null, constraint "sessions_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_revoked_at_index" on "sessions" ("revoked_at");`);

    this.addSql(
      `create table "one_time_tokens" ("id" uuid not null, "user_id" uuid not null, "purpose" text check ("purpose" in ('activation', 'reset')) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "one_time_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "one_time_tokens_user_id_index" on "one_time_tokens" ("user_id");`);

    this.addSql(
      `alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "one_time_tokens" add constraint "one_time_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);

    this.addSql(`alter table "one_time_tokens" drop constraint "one_time_tokens_user_id_foreign";`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "one_time_tokens" cascade;`);
  }
}
