import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A fact about the deployment kept in its database, e.g. the fingerprint of the key its queued mail and
 * webhooks are sealed with, so a process started with other secrets (a CLI run without the server's
 * environment) can tell before it writes anything the server could not read.
 */
@Entity({ tableName: 'server_settings' })
export class ServerSetting {
  @PrimaryKey({ type: 'string', length: 64 })
  name!: string;

  @Property({ type: 'text' })
  value!: string;
}
