// Generates the Python SDK, the installable package in openapi/python/ (npm run sdk:python):
// openapi-python-client, pinned in openapi/requirements.txt and installed into the repo's .venv by
// scripts/python-env.sh, reads openapi/openapi.json as sdkDocument gives it (stream events typed by their
// data, as for the TypeScript SDK) with the configuration openapi/python-client.yaml, the templates of
// openapi/python-templates/ over its own (a README, ApiError raised by sync() and asyncio(), image
// answers as File, stream answers parsed, any client) and --meta pdm (pyproject.toml, built by
// pdm-backend); its post-hooks run ruff (pinned too), so the same document gives the same bytes.
// Runs offline. The test suite regenerates it into a temporary folder and fails when the committed one drifts.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sdkDocument } from './sdk.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PYTHON_SDK_DIR = join(ROOT, 'openapi/python');
export const VENV_BIN = join(ROOT, '.venv/bin');
const CONFIG = join(ROOT, 'openapi/python-client.yaml');
const TEMPLATES = join(ROOT, 'openapi/python-templates');

/** Writes the package into dir (replacing it); throws with the generator's output on any warning or error. */
export async function generatePythonSdk(dir: string = PYTHON_SDK_DIR): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'purrception-sdk-python-'));
  try {
    const document = join(work, 'openapi.json');
    writeFileSync(document, `${JSON.stringify(sdkDocument(), null, 2)}\n`);
    const args = ['generate', '--path', document, '--config', CONFIG, '--custom-template-path', TEMPLATES];
    args.push('--meta', 'pdm', '--output-path', dir, '--overwrite', '--fail-on-warning');
    // ruff from the .venv for the post-hooks; no .ruff_cache left in the package
    const env = { ...process.env, PATH: `${VENV_BIN}:${process.env['PATH'] ?? ''}`, RUFF_NO_CACHE: 'true' };
    try {
      await promisify(execFile)(join(VENV_BIN, 'openapi-python-client'), args, { env, cwd: work });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (npm run python:env installs it)' : '';
      throw new Error(`openapi-python-client failed${hint}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generatePythonSdk(process.argv[2] ?? PYTHON_SDK_DIR);
  console.log(`wrote ${process.argv[2] ?? PYTHON_SDK_DIR}`);
}
