// The documentation's relative links lead somewhere: every markdown link in README.md, docs/ and
// examples/ that is not a URL names a file that exists, and a `#fragment` names a heading of the
// file it points at (as GitHub makes anchors of headings). Code spans and fenced blocks are not
// links.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const markdownFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });

const files = ['README.md', ...markdownFiles('docs'), ...markdownFiles('examples')];

/** The text outside fenced blocks. */
const unfenced = (text: string): string =>
  text
    .split(/^```.*$/m)
    .filter((_, i) => i % 2 === 0)
    .join('\n');

/** The text where a link is a link: outside fenced blocks and code spans. */
const prose = (text: string): string => unfenced(text).replace(/`[^`\n]*`/g, '');

const links = (text: string): string[] => [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);

/** The anchors of the headings in `text`, as GitHub makes them: lower case, punctuation dropped,
 * spaces as `-`; repeats get `-1`, `-2`. */
const anchors = (text: string): Set<string> => {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of text.split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
};

/** The anchors of a file's headings; a heading's code spans are part of its text. */
const headingAnchors = (file: string): Set<string> =>
  anchors(unfenced(readFileSync(file, 'utf8')).replace(/`/g, ''));

describe('relative links in the documentation', () => {
  it('finds the documents', () => {
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'docs/plan.md', 'examples/scenarios/README.md']),
    );
  });

  it.each(files)('%s: every relative link names an existing file, and its heading', (file) => {
    const broken = links(readFileSync(file, 'utf8'))
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .flatMap((target) => {
        const [path = '', fragment] = target.split('#');
        const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (!existsSync(resolved)) return [`${target}: no file ${resolved}`];
        if (fragment === undefined || !resolved.endsWith('.md') || statSync(resolved).isDirectory())
          return [];
        return headingAnchors(resolved).has(fragment)
          ? []
          : [`${target}: no heading #${fragment} in ${resolved}`];
      });
    expect(broken).toEqual([]);
  });
});
