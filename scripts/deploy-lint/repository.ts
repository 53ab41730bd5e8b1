// The repository as CI's clone of it holds it: its root, and its files as git lists them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, seen from the compiled dist/scripts/deploy-lint/repository.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A file of the repository: its slash-separated path from the root and its text. */
export interface TextFile {
  file: string;
  text: string;
}

const listings = new Map<string, string[]>();

/**
 * The files a commit of the work tree would hold, as slash-separated paths from `root`: the tracked
 * files still there plus the untracked ones .gitignore lets through (so that a file not yet added
 * counts as it will once committed). Below `rel` only: `rel` itself if it is a file, none if nothing
 * is there. Sorted; git runs once per root.
 */
export function repositoryFiles(root: string = REPO_ROOT, rel = '.'): string[] {
  let files = listings.get(root);
  if (!files) {
    const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    files = listing.split('\0').filter((file) => file !== '' && existsSync(path.join(root, file))).sort();
    listings.set(root, files);
  }
  const below = path.posix.normalize(rel).replace(/\/$/, '');
  return below === '.' ? [...files] : files.filter((file) => file === below || file.startsWith(`${below}/`));
}

/** Whether `rel` is a folder holding repository files. */
export function isRepositoryFolder(root: string, rel: string): boolean {
  const folder = path.posix.normalize(rel).replace(/\/$/, '');
  return folder === '.' || repositoryFiles(root, folder).some((file) => file !== folder);
}
