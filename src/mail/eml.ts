/**
 * Just enough of RFC 5322/2045/2047 to read back the .eml files the file transport writes
 * (nodemailer's output): headers, and the text/plain and text/html parts. Not a general MIME parser.
 */
export interface ParsedEml {
  subject: string;
  to: string;
  date: string;
  text: string | null;
  html: string | null;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  // Unfold continuation lines, then keep the first occurrence of each header.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function charsetOf(contentType: string): BufferEncoding {
  const charset = /charset="?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  return charset === 'us-ascii' || charset === 'iso-8859-1' || charset === 'latin1'
    ? 'latin1'
    : 'utf8';
}

function decodeQuotedPrintable(value: string): Buffer {
  const soft = value.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const charset = charsetOf(part.headers.get('content-type') ?? '');
  if (encoding === 'base64') return Buffer.from(part.body, 'base64').toString(charset);
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body).toString(charset);
  return part.body;
}

/** =?utf-8?Q?...?= and =?utf-8?B?...?= words (subjects and names outside ASCII). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_all, charset: string, kind: string, text: string) => {
        const enc = charsetOf(`charset=${charset}`);
        return kind.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64').toString(enc)
          : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString(enc);
      },
    );
}

function leaves(part: Part, depth = 0): Part[] {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary || depth > 5) return [part];
  return part.body
    .split(`--${boundary}`)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .flatMap((chunk) => leaves(splitPart(chunk.replace(/^\n/, '')), depth + 1));
}

export function parseEml(raw: string): ParsedEml {
  const top = splitPart(raw);
  const parts = leaves(top);
  const find = (type: string) => {
    const part = parts.find((p) =>
      (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith(type),
    );
    return part ? decodeBody(part) : null;
  };
  return {
    subject: decodeWords(top.headers.get('subject') ?? ''),
    to: decodeWords(top.headers.get('to') ?? ''),
    date: top.headers.get('date') ?? '',
    text: find('text/plain'),
    html: find('text/html'),
  };
}
