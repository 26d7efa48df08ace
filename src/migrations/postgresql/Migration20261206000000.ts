import { Migration } from '@mikro-orm/migrations';

/** housekeeping_leases: the row whose conditional update elects the one process that runs housekeeping. */
export class Migration20261206000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "housekeeping_leases" ("name" varchar(64) not null, "next_run_at" timestamptz not null, constraint "housekeeping_leases_pkey" primary key ("name"));`,
    );
    this.addSql(
      `insert into "housekeeping_leases" ("name", "next_run_at") values ('housekeeping', 'epoch');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "housekeeping_leases";`);
  }
}
