import { Migration } from '@mikro-orm/migrations';

export class Migration20261127152244 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`mail_outbox\` (\`id\` text not null, \`payload\` text not null, \`created_at\` datetime not null, \`attempts\` integer not null default 0, \`next_attempt_at\` datetime not null, \`locked_until\` datetime null, \`last_error\` text null, \`failed_at\` datetime null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`mail_outbox_next_attempt_at_index\` on \`mail_outbox\` (\`next_attempt_at\`);`,
    );
  }
}
