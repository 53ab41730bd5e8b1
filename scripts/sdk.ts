// Generates the TypeScript client SDK, the installable package in openapi/client/ (npm run sdk):
// src/ from openapi/openapi.json with @hey-api/openapi-ts and its fetch client (binary image answers
// come back as Blobs, the stream as typed server-sent events), then lib/ (ES modules and .d.ts)
// compiled from src/ with the package's tsconfig.json. Runs offline. The test suite regenerates both
// into a temporary folder and fails when the committed ones drift.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';
import ts from 'typescript';

export const SDK_DIR = fileURLToPath(new URL('../../openapi/client', import.meta.url));
const SPEC = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

/** Compiles dir/src into dir/lib with the package's compiler options; throws on any diagnostic. */
export function buildSdk(dir: string = SDK_DIR): void {
  const read = ts.readConfigFile(join(SDK_DIR, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dir);
  rmSync(join(dir, 'lib'), { recursive: true, force: true }); // no stale files from removed sources
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const emitted = program.emit();
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
    throw new Error(`the SDK does not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}

export async function generateSdk(dir: string = SDK_DIR): Promise<void> {
  await createClient({
    input: SPEC,
    output: { path: join(dir, 'src') },
    // includeInEntry: createClient comes from the package's entry point with the operations.
    plugins: [{ name: '@hey-api/client-fetch', includeInEntry: true }],
    logs: { level: 'silent', file: false },
  });
  buildSdk(dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generateSdk(process.argv[2] ?? SDK_DIR);
  console.log(`wrote ${process.argv[2] ?? SDK_DIR}/src and lib`);
}
