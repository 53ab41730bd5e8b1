// A clone holds everything it needs: no file of the repository points outside it (a sibling `shared`
// folder, absolute paths of the workspace it was written in), and the scripts and notes the docs name
// are in it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { REPO_ROOT, repositoryFiles } from '../../scripts/lint-deploy.js';

const OUTSIDE = /\.\.\/shared\/|\/work\/[\w.-]+/;

t.test('no file refers to a path outside the repository', async (t) => {
  const files = repositoryFiles(REPO_ROOT);
  t.ok(files.includes('docs/design.md') && files.includes('bench/gpu/run.sh'), `walked the repository (${files.length} files)`);
  const hits: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(path.join(REPO_ROOT, file));
    if (bytes.subarray(0, 8000).includes(0)) continue; // binary: models, images
    bytes.toString('utf8').split('\n').forEach((line, i) => {
      if (OUTSIDE.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  t.same(hits, []);
  // Built from parts, so that this file does not hold what it looks for.
  const sibling = ['see ..', 'shared', 'DESIGN.md'].join('/');
  const absolute = ['', 'work', 'shared', 'gpu', 'pack-runtime.sh'].join('/');
  t.ok(OUTSIDE.test(sibling) && OUTSIDE.test(absolute), 'the pattern catches both forms');
});

t.test('what the GPU docs send a reader to is in the repository', async (t) => {
  t.ok(existsSync(path.join(REPO_ROOT, 'bench/gpu/pack-runtime.sh')));
  const gpu = readFileSync(path.join(REPO_ROOT, 'docs/gpu.md'), 'utf8');
  t.match(gpu, /bash bench\/gpu\/pack-runtime\.sh/);
  const design = readFileSync(path.join(REPO_ROOT, 'docs/design.md'), 'utf8');
  for (const section of ['## Performance notes', '## Training notes', '## Where things run']) t.match(design, section);
});
