import 'reflect-metadata';
import { loadConfig } from './src/config';
import { createOrmConfig } from './src/database/orm';

/** For MikroORM tooling: the same configuration the server uses, from the same environment. */
export default createOrmConfig(loadConfig(), undefined, true);
