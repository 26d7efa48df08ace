import { Migration } from '@mikro-orm/migrations';

const PASSKEY_COLUMNS =
  '`id`, `user_id`, `credential_id`, `public_key`, `counter`, `transports`, `backed_up`, `name`, `created_at`, `last_used_at`';

const passkeysTable = (name: string, counterType: string) =>
  `create table \`${name}\` (\`id\` text not null, \`user_id\` text not null, \`credential_id\` text not null, \`public_key\` text not null, \`counter\` ${counterType} not null, \`transports\` text null, \`backed_up\` integer not null default false, \`name\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, constraint \`passkeys_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`;

/**
 * The SQLite schema spelled as the entities declare it, so MikroORM's diff finds no drift: the default
 * of users.disabled reads `false` (it read `0`: the same integer), passkeys.counter is `bigint` (it
 * was `integer`: the same INTEGER affinity and storage). No value changes.
 */
export class Migration20261215000000 extends Migration {
  override async up(): Promise<void> {
    await this.setDisabledDefault('0', 'false');
    this.rebuildPasskeys('bigint');
  }

  override async down(): Promise<void> {
    await this.setDisabledDefault('false', '0');
    this.rebuildPasskeys('integer');
  }

  /**
   * SQLite documents this edit of the stored schema text for changing a column's default (see
   * Migration20261212000000); rebuilding `users` would cascade deletes into every table that references it.
   */
  private async setDisabledDefault(from: string, to: string): Promise<void> {
    const rows = (await this.execute('pragma schema_version')) as Array<{
      schema_version: number;
    }>;
    const version = Number(rows[0]!.schema_version);
    this.addSql('pragma writable_schema = on;');
    this.addSql(
      `update sqlite_master set sql = replace(sql, '\`disabled\` integer not null default ${from}', '\`disabled\` integer not null default ${to}') where type = 'table' and name = 'users';`,
    );
    this.addSql(`pragma schema_version = ${version + 1};`);
    this.addSql('pragma writable_schema = off;');
  }

  /** A column's type changes by a rebuild; nothing references passkeys, so dropping it cascades nowhere. */
  private rebuildPasskeys(counterType: string): void {
    this.addSql(passkeysTable('passkeys__new', counterType));
    this.addSql(
      `insert into \`passkeys__new\` (${PASSKEY_COLUMNS}) select ${PASSKEY_COLUMNS} from \`passkeys\`;`,
    );
    this.addSql('drop table `passkeys`;');
    this.addSql('alter table `passkeys__new` rename to `passkeys`;');
    this.addSql('create index `passkeys_user_id_index` on `passkeys` (`user_id`);');
    this.addSql(
      'create unique index `passkeys_credential_id_unique` on `passkeys` (`credential_id`);',
    );
  }
}
