import { Migration } from '@mikro-orm/migrations';

/** Link codes: a new oauth_states kind and the verified identity it carries to finishOAuthLink. */
export class Migration20261213150000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "oauth_states" drop constraint if exists "oauth_states_kind_check";`);
    this.addSql(
      `alter table "oauth_states" add column "subject" varchar(255) null, add column "email" varchar(254) null, add column "email_verified" boolean null;`,
    );
    this.addSql(
      `alter table "oauth_states" add constraint "oauth_states_kind_check" check ("kind" in ('flow', 'link', 'code', 'link_code'));`,
    );
  }

  override async down(): Promise<void> {
    // Pending link codes cannot be represented before this migration: they are dropped.
    this.addSql(`delete from "oauth_states" where "kind" = 'link_code';`);
    this.addSql(`alter table "oauth_states" drop constraint if exists "oauth_states_kind_check";`);
    this.addSql(
      `alter table "oauth_states" drop column "subject", drop column "email", drop column "email_verified";`,
    );
    this.addSql(
      `alter table "oauth_states" add constraint "oauth_states_kind_check" check ("kind" in ('flow', 'link', 'code'));`,
    );
  }
}
