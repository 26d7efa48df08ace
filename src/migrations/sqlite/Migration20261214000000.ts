import { Migration } from '@mikro-orm/migrations';

/** Passkey sign-in: a stand-in challenge is kept live and marked, so finishing it answers like a wrong credential. */
export class Migration20261214000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table `passkey_challenges` add column `decoy` integer not null default false;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table `passkey_challenges` drop column `decoy`;');
  }
}
