import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { templateFiles } from '../mail/templates';
import type { CliCommand } from './command';

/** Writes the built-in mail templates out as files, to edit and point MAIL_TEMPLATES_DIR at. */
export const templatesExport: CliCommand = {
  name: 'mail:templates',
  usage: 'mail:templates [--out DIR]',
  description: 'write the built-in mail templates to DIR (default ./mail-templates) for editing',
  async run(args, io) {
    const at = args.indexOf('--out');
    if ((at >= 0 && !args[at + 1]) || args.some((a, i) => a !== '--out' && i !== at + 1)) {
      io.err('usage: npm run cli -- mail:templates [--out DIR]');
      return 2;
    }
    const dir = resolve(at >= 0 ? args[at + 1]! : 'mail-templates');
    mkdirSync(dir, { recursive: true });
    let written = 0;
    for (const { file, content } of templateFiles()) {
      const path = join(dir, file);
      // Never overwrite a deployer's edits.
      if (existsSync(path)) continue;
      writeFileSync(path, content);
      written++;
    }
    io.out(`wrote ${written} template file(s) to ${dir}`);
    io.out(
      `edit them (placeholders: {{appName}} {{email}} {{link}} {{ttl}}), delete the ones you keep as they are,`,
    );
    io.out(`and set MAIL_TEMPLATES_DIR=${dir}`);
    return 0;
  },
};
