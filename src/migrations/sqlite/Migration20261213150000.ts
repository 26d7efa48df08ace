import { Migration } from '@mikro-orm/migrations';

const COLUMNS =
  '`id`, `kind`, `provider`, `user_id`, `redirect_to`, `app_state`, `code_verifier`, `nonce`, `browser_hash`, `expires_at`, `created_at`';

/** Link codes: a new oauth_states kind and the verified identity it carries to finishOAuthLink. */
export class Migration20261213150000 extends Migration {
  override async up(): Promise<void> {
    // SQLite cannot change a CHECK in place: the table is rebuilt (nothing references oauth_states, so
    // dropping it cascades nowhere), keeping the flows in progress.
    this.addSql(
      `create table \`oauth_states__new\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('flow', 'link', 'code', 'link_code')) not null, \`provider\` text not null, \`user_id\` text null, \`redirect_to\` text null, \`app_state\` text null, \`code_verifier\` text null, \`nonce\` text null, \`browser_hash\` text null, \`subject\` text null, \`email\` text null, \`email_verified\` integer null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`oauth_states_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `insert into \`oauth_states__new\` (${COLUMNS}) select ${COLUMNS} from \`oauth_states\`;`,
    );
    this.addSql('drop table `oauth_states`;');
    this.addSql('alter table `oauth_states__new` rename to `oauth_states`;');
    this.addSql(`create index \`oauth_states_user_id_index\` on \`oauth_states\` (\`user_id\`);`);
    this.addSql(
      `create index \`oauth_states_expires_at_index\` on \`oauth_states\` (\`expires_at\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `create table \`oauth_states__old\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('flow', 'link', 'code')) not null, \`provider\` text not null, \`user_id\` text null, \`redirect_to\` text null, \`app_state\` text null, \`code_verifier\` text null, \`nonce\` text null, \`browser_hash\` text null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`oauth_states_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    // Pending link codes cannot be represented before this migration: they are dropped.
    this.addSql(
      `insert into \`oauth_states__old\` (${COLUMNS}) select ${COLUMNS} from \`oauth_states\` where \`kind\` <> 'link_code';`,
    );
    this.addSql('drop table `oauth_states`;');
    this.addSql('alter table `oauth_states__old` rename to `oauth_states`;');
    this.addSql(`create index \`oauth_states_user_id_index\` on \`oauth_states\` (\`user_id\`);`);
    this.addSql(
      `create index \`oauth_states_expires_at_index\` on \`oauth_states\` (\`expires_at\`);`,
    );
  }
}
