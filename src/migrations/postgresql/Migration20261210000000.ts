import { Migration } from '@mikro-orm/migrations';

/** Administration and auditing: users.disabled, the security_events table, outbox rows of a kind. */
export class Migration20261210000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "disabled" boolean not null default false;`);
    // No foreign key to users: an account's events (its deletion included) outlive it until the TTL.
    this.addSql(
      `create table "security_events" ("id" uuid not null, "user_id" uuid not null, "type" varchar(40) not null, "at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(512) null, "actor_id" uuid null, "method" varchar(16) null, "detail" text null, constraint "security_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "security_events_user_id_at_id_index" on "security_events" ("user_id", "at", "id");`,
    );
    this.addSql(`create index "security_events_at_index" on "security_events" ("at");`);
    this.addSql(`alter table "mail_outbox" add column "kind" varchar(16) not null default 'mail';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "mail_outbox" drop column "kind";`);
    this.addSql(`drop table if exists "security_events";`);
    this.addSql(`alter table "users" drop column "disabled";`);
  }
}
