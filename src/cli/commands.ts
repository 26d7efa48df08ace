import type { CliCommand } from './command';
import { keysGenerate } from './keys-generate.command';
import { templatesExport } from './templates.command';
import { userCommands } from './user.commands';

/** Every `npm run cli -- <name>` command; add new ones here. */
export const COMMANDS: CliCommand[] = [...userCommands, keysGenerate, templatesExport];
