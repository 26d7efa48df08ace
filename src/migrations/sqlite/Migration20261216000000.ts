import { Migration } from '@mikro-orm/migrations';

/**
 * Round 3 trust rules: how an account's address was proven (by its mailbox or only by a provider), when
 * a session's user last proved a factor (`auth_time`), the app's PKCE challenge of a social web flow,
 * the native ID tokens already accepted (single use), and the deployment's key fingerprint.
 */
export class Migration20261216000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `users` add column `email_proof` text null;');
    // An active account with a password proved its mailbox (activation or reset); one without a password
    // was made by social sign-in: proven only if the provider vouched for this very address.
    this.addSql(
      "update `users` set `email_proof` = 'mail' where `is_active` = 1 and `password_hash` is not null;",
    );
    this.addSql(
      "update `users` set `email_proof` = 'provider' where `email_proof` is null and `is_active` = 1 and exists (select 1 from `linked_accounts` l where l.`user_id` = `users`.`id` and l.`email_verified` = 1 and l.`email` = `users`.`email`);",
    );
    this.addSql('alter table `sessions` add column `auth_time` datetime null;');
    this.addSql('update `sessions` set `auth_time` = `created_at`;');
    this.addSql('alter table `oauth_states` add column `app_code_challenge` text null;');
    this.addSql(
      'create table `used_id_tokens` (`id` text not null, `expires_at` datetime not null, primary key (`id`));',
    );
    this.addSql(
      'create index `used_id_tokens_expires_at_index` on `used_id_tokens` (`expires_at`);',
    );
    this.addSql(
      'create table `server_settings` (`name` text not null, `value` text not null, primary key (`name`));',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `server_settings`;');
    this.addSql('drop table if exists `used_id_tokens`;');
    this.addSql('alter table `oauth_states` drop column `app_code_challenge`;');
    this.addSql('alter table `sessions` drop column `auth_time`;');
    this.addSql('alter table `users` drop column `email_proof`;');
  }
}
