import { Migration } from '@mikro-orm/migrations';

/** Passkeys (WebAuthn credentials) and the challenges handed out for them. */
export class Migration20261211000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "passkeys" ("id" uuid not null, "user_id" uuid not null, "credential_id" varchar(1400) not null, "public_key" text not null, "counter" bigint not null, "transports" varchar(100) null, "backed_up" boolean not null default false, "name" varchar(64) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, constraint "passkeys_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "passkeys_user_id_index" on "passkeys" ("user_id");`);
    this.addSql(
      `alter table "passkeys" add constraint "passkeys_credential_id_unique" unique ("credential_id");`,
    );
    this.addSql(
      `alter table "passkeys" add constraint "passkeys_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `create table "passkey_challenges" ("id" uuid not null, "kind" text check ("kind" in ('registration', 'authentication')) not null, "user_id" uuid null, "challenge" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "passkey_challenges_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "passkey_challenges_user_id_index" on "passkey_challenges" ("user_id");`,
    );
    this.addSql(
      `create index "passkey_challenges_expires_at_index" on "passkey_challenges" ("expires_at");`,
    );
    this.addSql(
      `alter table "passkey_challenges" add constraint "passkey_challenges_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "passkey_challenges" cascade;`);
    this.addSql(`drop table if exists "passkeys" cascade;`);
  }
}
