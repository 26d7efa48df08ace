import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261127150146 } from './Migration20261127150146';
import { Migration20261127152245 } from './Migration20261127152245';
import { Migration20261201120000 } from './Migration20261201120000';
import { Migration20261205000000 } from './Migration20261205000000';
import { Migration20261206000000 } from './Migration20261206000000';
import { Migration20261207000000 } from './Migration20261207000000';
import { Migration20261209000000 } from './Migration20261209000000';
import { Migration20261210000000 } from './Migration20261210000000';
import { Migration20261211000000 } from './Migration20261211000000';
import { Migration20261212000000 } from './Migration20261212000000';
import { Migration20261213150000 } from './Migration20261213150000';
import { Migration20261214000000 } from './Migration20261214000000';
import { Migration20261215000000 } from './Migration20261215000000';
import { Migration20261216000000 } from './Migration20261216000000';
import { Migration20261217000000 } from './Migration20261217000000';
import { Migration20261218000000 } from './Migration20261218000000';

/** Listed explicitly (no glob): the same list works from ts-jest and from the compiled dist/. */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'Migration20261127150146', class: Migration20261127150146 },
  { name: 'Migration20261127152245', class: Migration20261127152245 },
  { name: 'Migration20261201120000', class: Migration20261201120000 },
  { name: 'Migration20261205000000', class: Migration20261205000000 },
  { name: 'Migration20261206000000', class: Migration20261206000000 },
  { name: 'Migration20261207000000', class: Migration20261207000000 },
  { name: 'Migration20261209000000', class: Migration20261209000000 },
  { name: 'Migration20261210000000', class: Migration20261210000000 },
  { name: 'Migration20261211000000', class: Migration20261211000000 },
  { name: 'Migration20261212000000', class: Migration20261212000000 },
  { name: 'Migration20261213150000', class: Migration20261213150000 },
  { name: 'Migration20261214000000', class: Migration20261214000000 },
  { name: 'Migration20261215000000', class: Migration20261215000000 },
  { name: 'Migration20261216000000', class: Migration20261216000000 },
  { name: 'Migration20261217000000', class: Migration20261217000000 },
  { name: 'Migration20261218000000', class: Migration20261218000000 },
];
