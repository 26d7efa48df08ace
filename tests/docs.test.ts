import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  specifiedScalarTypes,
  type GraphQLSchema,
} from 'graphql';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The documentation users read: size and table of contents of the README, no development history
 * (issue numbers, review rounds) or paths outside the repository, no dead links, and a description
 * on everything schema.graphql shows in an explorer. Files only: no server, no network.
 */
const ROOT = resolve(__dirname, '..');

function markdownUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownUnder(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const DOCS = [
  join(ROOT, 'README.md'),
  join(ROOT, 'client', 'README.md'),
  ...markdownUnder(join(ROOT, 'docs')),
];
const read = (path: string) => readFileSync(path, 'utf8');
const name = (path: string) => relative(ROOT, path);

/** The text without fenced code blocks (kept as empty lines, so line numbers stay right). */
const withoutFences = (text: string) => {
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
};
const withoutCode = (text: string) => withoutFences(text).replace(/`[^`\n]*`/g, '');

/** Words that belong to the project's history, not to a user's documentation. */
const HISTORY: Array<[RegExp, string]> = [
  [/\bissues? #?\d+/i, 'issue reference'],
  [/\b(pull request|PR) #?\d+/i, 'pull-request reference'],
  [/(?<![\w/&.\]-])#\d+(?![\w-])/, '#N reference'],
  [/\bround \d+\b/i, 'review round'],
  [/\bfindings? \d+/i, 'review finding'],
];

/** Lines that mention an issue, a review round or a finding. */
export function historyIn(text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      HISTORY.filter(([pattern]) => pattern.test(line)).map(
        ([, what]) => `line ${i + 1}: ${what}: ${line.trim()}`,
      ),
    );
}

const LOCAL_ABSOLUTE = /(?<![\w.:/-])\/(work|home|Users|root|tmp|var|opt|srv|mnt)\/[\w.-]/;

/** Paths that point outside the repository: `../x` escaping its root, or absolute local paths. */
export function outsidePathsIn(text: string, file: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(/(?<![\w.])(?:\.\.\/)+[\w.-]*/g)) {
      const target = resolve(dirname(file), match[0]);
      if (target !== ROOT && !target.startsWith(ROOT + sep)) {
        found.push(`line ${i + 1}: ${match[0]} leaves the repository`);
      }
    }
    if (LOCAL_ABSOLUTE.test(line)) found.push(`line ${i + 1}: absolute local path: ${line.trim()}`);
    if (/\b[A-Z]:\\\w/.test(line))
      found.push(`line ${i + 1}: absolute Windows path: ${line.trim()}`);
  });
  return found;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown).split('\n')) {
    for (const html of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(html[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links (inline, reference-style and HTML) whose file or heading does not exist. */
export function deadLinksIn(text: string, file: string): string[] {
  const dead: string[] = [];
  const prose = withoutCode(text);
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    ...[...prose.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!),
  ];
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …: not fetched
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(destination)) {
      dead.push(`${target}: no such file`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
      dead.push(`${target}: an anchor into a file without headings`);
    } else if (!anchorsOf(read(destination)).has(decodeURIComponent(anchor).toLowerCase())) {
      dead.push(`${target}: no heading with that anchor`);
    }
  }
  return dead;
}

/** docs/*.md pages linked from a table row or list item of the README. */
export function tableOfContents(readme: string): Set<string> {
  const pages = new Set<string>();
  for (const line of withoutFences(readme).split('\n')) {
    if (!/^\s*(\||[-*+]\s|\d+\.\s)/.test(line)) continue;
    for (const link of line.matchAll(/\]\(\s*(?:\.\/)?(docs\/[^)#\s]+\.md)(?:#[^)]*)?\)/g)) {
      pages.add(link[1]!);
    }
  }
  return pages;
}

/** Every type, field, argument, enum value and input field without a description. */
export function undescribed(schema: GraphQLSchema): string[] {
  const builtIn = new Set(specifiedScalarTypes.map((type) => type.name));
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || builtIn.has(type.name)) continue;
    if (!type.description) missing.push(`type ${type.name}`);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`field ${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (!arg.description) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`input field ${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!value.description) missing.push(`enum value ${type.name}.${value.name}`);
      }
    }
  }
  return missing;
}

describe('README.md', () => {
  const readme = read(join(ROOT, 'README.md'));

  it('is at most 300 lines', () => {
    expect(readme.replace(/\n$/, '').split('\n').length).toBeLessThanOrEqual(300);
  });

  it('has a table of contents linking every page of docs/', () => {
    const pages = readdirSync(join(ROOT, 'docs'))
      .filter((page) => page.endsWith('.md'))
      .map((page) => `docs/${page}`);
    expect(pages.length).toBeGreaterThan(0);
    const listed = tableOfContents(readme);
    expect(pages.filter((page) => !listed.has(page))).toEqual([]);
  });
});

describe.each(DOCS.map((path) => [name(path), path]))('%s', (_, path) => {
  const text = read(path);

  it('mentions no issue, review round or finding', () => {
    expect(historyIn(text)).toEqual([]);
  });

  it('points to no path outside the repository', () => {
    expect(outsidePathsIn(text, path)).toEqual([]);
  });

  it('has no dead relative link or anchor', () => {
    expect(deadLinksIn(text, path)).toEqual([]);
  });
});

describe('schema.graphql', () => {
  it('describes every type, field, argument, enum value and input field', () => {
    const schema = buildSchema(read(join(ROOT, 'schema.graphql')));
    expect(undescribed(schema)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const file = join(ROOT, 'docs', 'example.md');

  it('catch history, outside paths and dead links, and pass clean text', () => {
    expect(historyIn('Fixed in issue 12.')).toHaveLength(1);
    expect(historyIn('See #123 for the story.')).toHaveLength(1);
    expect(historyIn('Since Round 3, finding 4 is closed.')).toHaveLength(2);
    expect(historyIn('Use [the API](api.md#2-sign-in).')).toEqual([]);
    expect(outsidePathsIn('See ../../shared/API.md', file)).toHaveLength(1);
    expect(outsidePathsIn('Run it from /work/main.', file)).toHaveLength(1);
    expect(outsidePathsIn('Back to [the README](../README.md).', file)).toEqual([]);
    expect(deadLinksIn('[gone](nowhere.md)', file)).toHaveLength(1);
    expect(deadLinksIn('[bad anchor](api.md#no-such-heading)', file)).toHaveLength(1);
    expect(
      deadLinksIn('[ok](../README.md#quick-start) [web](https://example.com/x)', file),
    ).toEqual([]);
  });

  it('slug headings the way GitHub does', () => {
    const anchors = anchorsOf(
      '# Sign-in: `signIn` & [links](x.md)\n## Notes\n## Notes\n```\n# not a heading\n```',
    );
    expect([...anchors]).toEqual(['sign-in-signin--links', 'notes', 'notes-1']);
  });

  it('find an undescribed schema element', () => {
    const schema = buildSchema('"""Q"""\ntype Query {\n  """ok"""\n  a(x: Int): Int\n  b: Int\n}');
    expect(undescribed(schema)).toEqual(['argument Query.a(x)', 'field Query.b']);
  });
});
