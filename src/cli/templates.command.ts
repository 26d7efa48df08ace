import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILT_IN_CATALOGS } from '../mail/locales';
import { templateFiles } from '../mail/templates';
import type { CliCommand } from './command';

const USAGE = 'usage: npm run cli -- mail:templates [--out DIR] [--locale LOCALE]';

/** Writes the built-in mail templates out as files, to edit and point MAIL_TEMPLATES_DIR at. */
export const templatesExport: CliCommand = {
  name: 'mail:templates',
  usage: 'mail:templates [--out DIR] [--locale LOCALE]',
  description: 'write the built-in mail templates to DIR (default ./mail-templates) for editing',
  help: [
    '--locale LOCALE  write that language’s templates into DIR/LOCALE (built in: en, de, fr, es);',
    '                 without it, the English ones go to DIR itself (the default language’s place)',
  ],
  async run(args, io) {
    const options = new Map<string, string>();
    for (let i = 0; i < args.length; i += 2) {
      const [name, value] = [args[i]!, args[i + 1]];
      if ((name !== '--out' && name !== '--locale') || !value || options.has(name)) {
        io.err(USAGE);
        return 2;
      }
      options.set(name, value);
    }
    const locale = options.get('--locale');
    if (locale !== undefined && !BUILT_IN_CATALOGS[locale]) {
      io.err(
        `no built-in templates for ${locale} (built in: ${Object.keys(BUILT_IN_CATALOGS).join(', ')})`,
      );
      return 2;
    }
    const base = resolve(options.get('--out') ?? 'mail-templates');
    const dir = locale === undefined ? base : join(base, locale);
    mkdirSync(dir, { recursive: true });
    let written = 0;
    for (const { file, content } of templateFiles(locale)) {
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
    io.out(`and set MAIL_TEMPLATES_DIR=${base}`);
    return 0;
  },
};
