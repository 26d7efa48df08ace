import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Undoes quoted-printable: nodemailer wraps long lines with `=` and writes `=` itself as `=3D`. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Reads the newest link to `path` (e.g. /activate) mailed to `email` from authql's development outbox
 * (`./data/outbox/*.eml`, used when SMTP_URL is unset). Waits up to `timeoutMs` for the mail to be written.
 */
export async function linkFromOutbox(
  outboxDir: string,
  email: string,
  path = '/activate',
  timeoutMs = 5000,
): Promise<string> {
  const suffix = `-${email.toLowerCase().replace(/[^a-z0-9@._-]/gi, '_')}.eml`;
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = new RegExp(`[a-z][a-z0-9+.-]*:[^\\s"<>]*${escaped}[?&]token=[A-Za-z0-9._%-]+`, 'i');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = (await readdir(outboxDir).catch(() => [] as string[]))
      .filter((name) => name.endsWith(suffix))
      .sort();
    for (const name of names.reverse()) {
      const mail = decodeQuotedPrintable(await readFile(join(outboxDir, name), 'utf8'));
      const match = link.exec(mail);
      if (match) return match[0];
    }
    if (Date.now() > deadline) throw new Error(`no ${path} link for ${email} in ${outboxDir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
