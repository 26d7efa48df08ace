import { Migration } from '@mikro-orm/migrations';

/** sessions.amr: how a session was signed in (RFC 8176), carried by every access token it mints. */
export class Migration20261205000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sessions" add column "amr" varchar(64) not null default 'pwd';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sessions" drop column "amr";`);
  }
}
