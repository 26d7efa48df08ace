import type { CliCommand } from './command';

/** Every `npm run cli -- <name>` command; add new ones here. */
export const COMMANDS: CliCommand[] = [];
