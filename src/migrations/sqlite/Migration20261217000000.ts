import { Migration } from '@mikro-orm/migrations';

/**
 * Organizations: the organizations, their memberships (one per organization and user) and invitations,
 * the organization a session switched to (its tokens' `org` claims, re-derived at each refresh), and the
 * refresh tokens a switch retired (so reuse detection follows the chain across it).
 */
export class Migration20261217000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `organizations` (`id` text not null, `name` text not null, `slug` text not null, `created_at` datetime not null, primary key (`id`));',
    );
    this.addSql('create unique index `organizations_slug_unique` on `organizations` (`slug`);');
    this.addSql(
      'create table `memberships` (`id` text not null, `organization_id` text not null, `user_id` text not null, `role` text not null, `joined_at` datetime not null, constraint `memberships_organization_id_foreign` foreign key(`organization_id`) references `organizations`(`id`) on delete cascade on update cascade, constraint `memberships_user_id_foreign` foreign key(`user_id`) references `users`(`id`) on delete cascade on update cascade, primary key (`id`));',
    );
    this.addSql('create index `memberships_user_id_index` on `memberships` (`user_id`);');
    this.addSql(
      'create unique index `memberships_organization_id_user_id_unique` on `memberships` (`organization_id`, `user_id`);',
    );
    this.addSql(
      'create table `invitations` (`id` text not null, `organization_id` text not null, `email` text not null, `role` text not null, `invited_by_id` text null, `created_at` datetime not null, `expires_at` datetime not null, `accepted_at` datetime null, `revoked_at` datetime null, `declined_at` datetime null, constraint `invitations_organization_id_foreign` foreign key(`organization_id`) references `organizations`(`id`) on delete cascade on update cascade, constraint `invitations_invited_by_id_foreign` foreign key(`invited_by_id`) references `users`(`id`) on delete set null on update cascade, primary key (`id`));',
    );
    this.addSql('create index `invitations_email_index` on `invitations` (`email`);');
    this.addSql(
      'create index `invitations_organization_id_email_index` on `invitations` (`organization_id`, `email`);',
    );
    this.addSql('alter table `sessions` add column `org_id` text null;');
    this.addSql('alter table `sessions` add column `switch_points` text null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `sessions` drop column `switch_points`;');
    this.addSql('alter table `sessions` drop column `org_id`;');
    this.addSql('drop table if exists `invitations`;');
    this.addSql('drop table if exists `memberships`;');
    this.addSql('drop table if exists `organizations`;');
  }
}
