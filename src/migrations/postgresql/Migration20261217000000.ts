import { Migration } from '@mikro-orm/migrations';

/**
 * Organizations: the organizations, their memberships (one per organization and user) and invitations,
 * the organization a session switched to (its tokens' `org` claims, re-derived at each refresh), and the
 * refresh tokens a switch retired (so reuse detection follows the chain across it).
 */
export class Migration20261217000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "organizations" ("id" uuid not null, "name" varchar(100) not null, "slug" varchar(40) not null, "created_at" timestamptz not null, constraint "organizations_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "organizations" add constraint "organizations_slug_unique" unique ("slug");`,
    );
    this.addSql(
      `create table "memberships" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "role" varchar(8) not null, "joined_at" timestamptz not null, constraint "memberships_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "memberships_user_id_index" on "memberships" ("user_id");`);
    this.addSql(
      `alter table "memberships" add constraint "memberships_organization_id_user_id_unique" unique ("organization_id", "user_id");`,
    );
    this.addSql(
      `create table "invitations" ("id" uuid not null, "organization_id" uuid not null, "email" varchar(254) not null, "role" varchar(8) not null, "invited_by_id" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "revoked_at" timestamptz null, "declined_at" timestamptz null, constraint "invitations_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "invitations_email_index" on "invitations" ("email");`);
    this.addSql(
      `create index "invitations_organization_id_email_index" on "invitations" ("organization_id", "email");`,
    );
    this.addSql(
      `alter table "memberships" add constraint "memberships_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "memberships" add constraint "memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "invitations" add constraint "invitations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "invitations" add constraint "invitations_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`alter table "sessions" add column "org_id" uuid null;`);
    this.addSql(`alter table "sessions" add column "switch_points" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sessions" drop column "switch_points";`);
    this.addSql(`alter table "sessions" drop column "org_id";`);
    this.addSql(`drop table if exists "invitations";`);
    this.addSql(`drop table if exists "memberships";`);
    this.addSql(`drop table if exists "organizations";`);
  }
}
