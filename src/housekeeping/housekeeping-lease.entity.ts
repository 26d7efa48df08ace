import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One row per periodic job: whoever moves `nextRunAt` forward runs it, so a deployment runs it once. */
@Entity({ tableName: 'housekeeping_leases' })
export class HousekeepingLease {
  @PrimaryKey({ type: 'string', length: 64 })
  name!: string;

  @Property({ type: Date })
  nextRunAt!: Date;
}
