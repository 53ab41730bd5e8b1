// Generates the TypeScript client SDK, the installable package in openapi/client/ (npm run sdk):
// src/ from openapi/openapi.json (as sdkDocument gives it) with @hey-api/openapi-ts and its fetch client (binary image answers
// come back as Blobs, the stream as typed server-sent events), then lib/ (ES modules and .d.ts)
// compiled from src/ with the package's tsconfig.json, after one patch of the generated SSE client
// (patchSseClient: refused streams throw the server's error, nothing retries unasked). Runs offline. The test suite regenerates both
// into a temporary folder and fails when the committed ones drift.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * The generator's SSE client (hey-api/hey-api#2908) turns a refused stream request into
 * "SSE failed: 400 Bad Request", dropping the server's code and message, and retries every failure
 * forever unless the caller sets onSseError or sseMaxRetryAttempts. This service's errors come as JSON
 * before a stream opens, and a POST stream restarts the generation from scratch: so a refused request
 * throws an Error with the server's status, code and message, and a failure is retried only when the
 * caller asked for retries (sseMaxRetryAttempts), never for a 4xx. Each anchor must match, or
 * generation fails: an upgrade of the generator then needs this looked at again.
 */
const SSE_PATCHES: [string, string][] = [
  [
    'if (!response.ok) throw new Error(`SSE failed: ${response.status} ${response.statusText}`);',
    [
      'if (!response.ok) {',
      '          const text = await response.text();',
      '          let body: { code?: string; message?: string } = {};',
      '          try {',
      '            body = JSON.parse(text) as typeof body;',
      '          } catch {',
      '            body = { message: text };',
      '          }',
      '          const reason = body.message ?? response.statusText;',
      '          const message = `SSE failed: ${response.status}${body.code ? ` ${body.code}` : \'\'}: ${reason}`;',
      '          throw Object.assign(new Error(message), { status: response.status, code: body.code, body });',
      '        }',
    ].join('\n'),
  ],
  [
    `        if (sseMaxRetryAttempts !== undefined && attempt >= sseMaxRetryAttempts) {
          break; // stop after firing error
        }`,
    `        const status = (error as { status?: number }).status;
        if (sseMaxRetryAttempts === undefined || attempt >= sseMaxRetryAttempts || (status !== undefined && status < 500)) {
          throw error; // no retry asked for, none left, or a refusal that a retry cannot change
        }`,
  ],
];

function patchSseClient(dir: string): void {
  const file = join(dir, 'src/core/serverSentEvents.gen.ts');
  let text = readFileSync(file, 'utf8');
  for (const [anchor, replacement] of SSE_PATCHES) {
    if (!text.includes(anchor)) throw new Error(`${file}: the SSE patch's anchor is gone (a new @hey-api/openapi-ts?): ${anchor}`);
    text = text.replace(anchor, replacement);
  }
  writeFileSync(file, text);
}

type Json = Record<string, unknown>;

/**
 * The document the SDK generators read: openapi.json, but each text/event-stream schema is what an
 * event's data holds. The document describes a stream as OpenAPI 3.2 reads it (each event's SSE fields,
 * its name in `event` and its JSON in `data`, per contentSchema), which is how schemathesis validates
 * the live stream. @hey-api/openapi-ts and openapi-python-client follow the older convention, where the
 * schema types the data of one event: they get data's contentSchema (StreamEvent); for a union of
 * events, the union of theirs (by its component's name when one lists exactly these). Throws when a
 * stream's schema has no data.contentSchema.
 */
export function sdkDocument(): Json {
  const doc = JSON.parse(readFileSync(SPEC, 'utf8')) as Json & { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const response of Object.values((operation['responses'] ?? {}) as Record<string, { content?: Record<string, { schema?: Json }> }>)) {
        const media = response.content?.['text/event-stream'];
        if (media?.schema === undefined) continue;
        const variants = (media.schema['anyOf'] ?? media.schema['oneOf'] ?? [media.schema]) as { properties?: { data?: { contentSchema?: Json } } }[];
        const data = variants.map((v) => v.properties?.data?.contentSchema);
        if (data.some((d) => d === undefined)) throw new Error(`${method.toUpperCase()} ${path}: a text/event-stream schema without data.contentSchema`);
        const named = Object.entries(doc.components.schemas).find(([, schema]) => JSON.stringify(schema['anyOf']) === JSON.stringify(data));
        media.schema = data.length === 1 ? data[0]! : named ? { $ref: `#/components/schemas/${named[0]}` } : { anyOf: data };
      }
    }
  }
  return doc;
}

export async function generateSdk(dir: string = SDK_DIR): Promise<void> {
  await createClient({
    input: sdkDocument(),
    output: { path: join(dir, 'src') },
    // includeInEntry: createClient comes from the package's entry point with the operations.
    plugins: [{ name: '@hey-api/client-fetch', includeInEntry: true }],
    logs: { level: 'silent', file: false },
  });
  patchSseClient(dir);
  buildSdk(dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generateSdk(process.argv[2] ?? SDK_DIR);
  console.log(`wrote ${process.argv[2] ?? SDK_DIR}/src and lib`);
}
