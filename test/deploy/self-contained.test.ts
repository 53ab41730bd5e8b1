// A clone holds everything it needs, and what the docs send a reader to is in it: no file refers to a
// path outside the repository, every relative link of the markdown files resolves to a file or folder
// of the repository, and every `npm run NAME` in the docs and shell scripts is a script of the
// package.json it runs in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';
import t from 'tap';
import { REPO_ROOT, isRepositoryFolder, repositoryFiles } from '../../scripts/deploy-lint/repository.js';

const files = repositoryFiles(REPO_ROOT);
const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const markdown = files.filter((file) => file.endsWith('.md'));

t.test('the repository is listed', async (t) => {
  t.ok(files.includes('README.md') && files.includes('src/server.ts') && files.includes('docs/deploy.md'), `${files.length} files`);
});

t.test('no file refers to a path outside the repository', async (t) => {
  const outside = /\.\.\/shared\/|\/work\/[\w.-]+/;
  const hits: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(path.join(REPO_ROOT, file));
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary: models, images
    bytes.toString('utf8').split('\n').forEach((line, i) => {
      if (outside.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  t.same(hits, []);
});

/** The repository path a markdown link of `file` points at; undefined for a URL or an anchor of the page itself. */
function linkTarget(file: string, href: string): string | undefined {
  if (/^(?:[a-z][a-z\d+.-]*:|\/\/|#)/i.test(href)) return undefined;
  const target = decodeURI(href.replace(/[?#].*$/, ''));
  // A leading slash is the repository root, as the Git hosts render it.
  return target.startsWith('/') ? path.posix.normalize(target.slice(1)) : path.posix.join(path.posix.dirname(file), target);
}

t.test('every relative link of the markdown files resolves in the repository', async (t) => {
  t.ok(markdown.length > 0, `${markdown.length} markdown files`);
  const broken: string[] = [];
  for (const file of markdown) {
    marked.walkTokens(marked.lexer(read(file)), (token) => {
      if (token.type !== 'link' && token.type !== 'image') return;
      const target = linkTarget(file, token.href);
      if (target === undefined || files.includes(target) || isRepositoryFolder(REPO_ROOT, target)) return;
      broken.push(`${file}: ${token.href} (${target})`);
    });
  }
  t.same(broken, []);
});

t.test('every `npm run NAME` of the docs and shell scripts names a script', async (t) => {
  const scriptsOf = (packageJson: string): string[] =>
    Object.keys((JSON.parse(read(packageJson)) as { scripts?: Record<string, string> }).scripts ?? {});
  const packages = { root: scriptsOf('package.json'), emoji: scriptsOf('training/emoji/package.json') };
  // *.sh, and scripts without an extension that start with a shell's #! (.ci/run).
  const isShellScript = (file: string): boolean =>
    file.endsWith('.sh') || (!path.posix.basename(file).includes('.') && /^#!.*\b(?:ba|da|z)?sh\b/.test(read(file).split('\n', 1)[0]!));
  const unknown: string[] = [];
  let mentions = 0;
  for (const file of [...markdown, ...files.filter(isShellScript)]) {
    const scripts = file.startsWith('training/emoji/') ? packages.emoji : packages.root;
    for (const match of read(file).matchAll(/\bnpm\s+run(?:-script)?\s+([\w:.*][\w:.*-]*)/g)) {
      mentions += 1;
      const name = match[1]!.replace(/[.:]+$/, ''); // sentence punctuation
      // `npm run bench:*` stands for every script of that family.
      const known = name.endsWith('*') ? scripts.some((s) => s.startsWith(name.slice(0, -1))) : scripts.includes(name);
      if (!known) unknown.push(`${file}: npm run ${name}`);
    }
  }
  t.ok(mentions > 0, `${mentions} mentions`);
  t.same(unknown, []);
});
