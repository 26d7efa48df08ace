import { Migration } from '@mikro-orm/migrations';

/** housekeeping_leases: the row whose conditional update elects the one process that runs housekeeping. */
export class Migration20261206000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`housekeeping_leases\` (\`name\` text not null, \`next_run_at\` datetime not null, primary key (\`name\`));`,
    );
    this.addSql(
      `insert into \`housekeeping_leases\` (\`name\`, \`next_run_at\`) values ('housekeeping', 0);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`housekeeping_leases\`;`);
  }
}
