import 'reflect-metadata';
import type { CliCommand } from './command';
import { COMMANDS } from './commands';

const HELP_FLAGS = new Set(['--help', '-h', 'help']);

function overview(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length)) + 1;
  return [
    'usage: npm run cli -- <command> [args]',
    '       npm run cli -- <command> --help',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)} ${c.description}`),
    '',
    'Commands that change the database (promote, demote) need the server environment (DATABASE_URL,',
    'NODE_ENV, JWT_SECRET or JWT_PRIVATE_KEY, WEBHOOK_URL/WEBHOOK_SECRET when the server sends',
    'webhooks): they refuse to write when it differs from the one the server last started with.',
  ];
}

function commandHelp(command: CliCommand): string[] {
  return [
    `usage: npm run cli -- ${command.usage}`,
    '',
    command.description,
    ...(command.help ?? []),
  ];
}

/** `npm run cli -- <command> [args]`: operations that need no GraphQL client. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name !== undefined && HELP_FLAGS.has(name)) {
    const about = COMMANDS.find((c) => c.name === args[0]);
    console.log((about ? commandHelp(about) : overview()).join('\n'));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (name) console.error(`unknown command: ${name}\n`);
    console.error(overview().join('\n'));
    return 2;
  }
  if (args.some((a) => HELP_FLAGS.has(a) && a !== 'help')) {
    console.log(commandHelp(command).join('\n'));
    return 0;
  }
  return command.run(args, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
