import { Migration } from '@mikro-orm/migrations';

/** Social sign-in: accounts without a password, linked provider identities, short-lived flow state. */
export class Migration20261212000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" alter column "password_hash" drop not null;`);

    this.addSql(
      `create table "linked_accounts" ("id" uuid not null, "user_id" uuid not null, "provider" varchar(32) not null, "subject" varchar(255) not null, "email" varchar(254) null, "email_verified" boolean not null, "created_at" timestamptz not null, constraint "linked_accounts_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "linked_accounts" add constraint "linked_accounts_provider_subject_unique" unique ("provider", "subject");`,
    );
    this.addSql(
      `alter table "linked_accounts" add constraint "linked_accounts_user_id_provider_unique" unique ("user_id", "provider");`,
    );
    this.addSql(
      `alter table "linked_accounts" add constraint "linked_accounts_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `create table "oauth_states" ("id" varchar(64) not null, "kind" text check ("kind" in ('flow', 'link', 'code')) not null, "provider" varchar(32) not null, "user_id" uuid null, "redirect_to" text null, "app_state" text null, "code_verifier" varchar(128) null, "nonce" varchar(128) null, "browser_hash" varchar(64) null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "oauth_states_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "oauth_states_user_id_index" on "oauth_states" ("user_id");`);
    this.addSql(`create index "oauth_states_expires_at_index" on "oauth_states" ("expires_at");`);
    this.addSql(
      `alter table "oauth_states" add constraint "oauth_states_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "oauth_states" cascade;`);
    this.addSql(`drop table if exists "linked_accounts" cascade;`);
    // Fails while a password-less account exists: such an account cannot be given a hash here.
    this.addSql(`alter table "users" alter column "password_hash" set not null;`);
  }
}
