import type { CliCommand } from './command';
import { keysGenerate } from './keys-generate.command';

/** Every `npm run cli -- <name>` command; add new ones here. */
export const COMMANDS: CliCommand[] = [keysGenerate];
