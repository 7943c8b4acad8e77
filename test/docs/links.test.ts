// The README and the docs pages: every relative link leads to a file that exists, and every
// `#anchor` to a heading of its target (GitHub's slugs); the README stays short, and each
// page opens with a paragraph that says what it covers.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => join(DOCS, f));
const files = [README, ...pages];

const name = (file: string): string => relative(ROOT, file);

/** The text outside fenced code blocks, with the same line count (code lines left empty). */
function withoutCode(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const open = /^\s*(```+|~~~+)/.exec(line);
      if (fence === undefined) {
        if (open) {
          fence = (open[1] as string)[0];
          return '';
        }
        return line;
      }
      if (open && (open[1] as string)[0] === fence) fence = undefined;
      return '';
    })
    .join('\n');
}

/** Inline code spans as plain placeholders: what they hold is never a link. */
function withoutInlineCode(text: string): string {
  return text.replace(/(`+)[^`]*?\1/g, 'code');
}

interface Link {
  line: number;
  target: string;
}

/** Every inline link and image `[text](target)` / `[text](target "title")` outside code. */
function linksOf(markdown: string): Link[] {
  const out: Link[] = [];
  withoutCode(markdown)
    .split('\n')
    .forEach((raw, i) => {
      const text = withoutInlineCode(raw);
      for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, target: m[1] as string });
    });
  return out;
}

/** GitHub's anchor for a heading: lowercase, punctuation but '-' and '_' dropped, spaces to '-'. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading: its text
    // HTML tags are dropped, but not inside code spans, where `<key>` is text.
    .split(/(`+[^`]*?`+)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/<[^>]+>/g, '')))
    .join('')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a markdown file's headings, duplicates numbered as GitHub numbers them. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutCode(markdown).split('\n')) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i; // http:, https:, mailto:, …

/** What is wrong with one link of `file`, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
  if (EXTERNAL.test(target)) return undefined;
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const dest = path === '' ? file : resolve(dirname(file), path);
  if (!existsSync(dest)) return `${name(file)}: link to ${target}: ${name(dest)} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!dest.endsWith('.md') || statSync(dest).isDirectory()) return undefined;
  // GitHub's line anchors (#L10) point into the file, not at a heading.
  if (/^L\d+(-L\d+)?$/.test(anchor)) return undefined;
  const anchors = anchorsOf(readFileSync(dest, 'utf8'));
  return anchors.has(anchor) ? undefined : `${name(file)}: link to ${target}: ${name(dest)} has no heading #${anchor} (it has: ${[...anchors].join(', ')})`;
}

describe('documentation links', () => {
  it.each(files.map((f) => [name(f), f]))('%s: every relative link and anchor resolves', (_, file) => {
    const broken = linksOf(readFileSync(file, 'utf8'))
      .map((link) => {
        const problem = brokenLink(file, link.target);
        return problem && problem.replace(': link', `:${link.line}: link`);
      })
      .filter((p) => p !== undefined);
    expect(broken).toEqual([]);
  });

  it('the README links every docs page', () => {
    const linked = new Set(linksOf(readFileSync(README, 'utf8')).map((l) => resolve(ROOT, l.target.split('#')[0] as string)));
    expect(pages.filter((p) => !linked.has(p)).map(name)).toEqual([]);
  });

  it('the check itself: finds links outside code only, and slugs headings as GitHub does', () => {
    const md = ['# T', 'See [a](a.md#x-y), `[no](code.md)` and [b](../b.md "title").', '```', '[no](fenced.md)', '```', '[c](#t)'].join('\n');
    expect(linksOf(md)).toEqual([
      { line: 2, target: 'a.md#x-y' },
      { line: 2, target: '../b.md' },
      { line: 6, target: '#t' },
    ]);
    expect(slug('Records (`<key>.jsonl`, or `<key>.jsonl.gz`)')).toBe('records-keyjsonl-or-keyjsonlgz');
    expect(slug('Event topologies (`ingestTrigger`)')).toBe('event-topologies-ingesttrigger');
    expect(slug('Security: least privilege')).toBe('security-least-privilege');
    expect(slug('S3 features the product relies on, and how each store behaves')).toBe('s3-features-the-product-relies-on-and-how-each-store-behaves');
    expect(slug('Backfill at --concurrency 1 vs 8 (issue 20)')).toBe('backfill-at---concurrency-1-vs-8-issue-20');
    expect([...anchorsOf('# A\n## B\n## B\n```\n# C\n```')]).toEqual(['a', 'b', 'b-1']);
    expect(brokenLink(README, 'docs/none.md')).toMatch(/does not exist/);
    expect(brokenLink(README, 'docs/reliability.md#no-such-heading')).toMatch(/has no heading #no-such-heading/);
    expect(brokenLink(README, 'https://example.com/x.md')).toBeUndefined();
  });
});

describe('documentation shape', () => {
  it('README.md is at most 160 lines', () => {
    const lines = readFileSync(README, 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(160);
  });

  it.each(pages.map((p) => [name(p), p]))('%s starts with its # title, then a paragraph', (_, page) => {
    const lines = readFileSync(page, 'utf8').split('\n');
    expect(lines[0], 'the first line is the page title').toMatch(/^# \S/);
    const first = lines.slice(1).find((l) => l.trim() !== '') ?? '';
    // Not a heading, code, a table, a list, a quote or HTML: prose.
    expect(first, 'the first block after the title is a paragraph').not.toMatch(/^\s*(#|```|~~~|\||[-*+] |\d+[.)] |>|<)/);
  });
});
