export interface CliCommand {
  name: string;
  usage: string;
  description: string;
  /** More lines for `npm run cli -- <name> --help`: arguments, what it needs, what it changes. */
  help?: string[];
  /** Returns the process exit code. Writes results to `out`, problems to `err`. */
  run(
    args: string[],
    io: { out: (line: string) => void; err: (line: string) => void },
  ): Promise<number>;
}
