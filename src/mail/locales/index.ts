import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import type { MailCatalog } from './types';

/** The languages authql writes its mails in; a supported locale outside these gets the default's text. */
export const BUILT_IN_CATALOGS: Readonly<Record<string, MailCatalog>> = { en, de, fr, es };
export type { MailBlock, MailCatalog, MailText, ReclaimedKind } from './types';
export { RECLAIMED_KINDS } from './types';
