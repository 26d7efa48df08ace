import { z } from 'zod';
import type { ConfigContext, EnvOf } from '../config-fields';
import { parseLocales, type LocaleConfig } from './profile-rules';

export const localesEnv = {
  SUPPORTED_LOCALES: z.string().default('en,de,fr,es'),
  DEFAULT_LOCALE: z.string().default('en'),
};

export function localesConfig(
  e: EnvOf<typeof localesEnv>,
  { problems }: ConfigContext,
): LocaleConfig {
  return parseLocales(e.SUPPORTED_LOCALES, e.DEFAULT_LOCALE, problems);
}
