import type { CliCommand } from './command';
import { keysGenerate } from './keys-generate.command';
import { userCommands } from './user.commands';

/** Every `npm run cli -- <name>` command; add new ones here. */
export const COMMANDS: CliCommand[] = [...userCommands, keysGenerate];
