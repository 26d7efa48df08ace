import 'reflect-metadata';
import { COMMANDS } from './commands';

/** `npm run cli -- <command> [args]`: operations that need no GraphQL client. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(name ? `unknown command: ${name}\n` : 'usage: npm run cli -- <command> [args]\n');
    for (const c of COMMANDS) console.error(`  ${c.usage.padEnd(32)} ${c.description}`);
    return 2;
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
