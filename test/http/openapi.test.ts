// openapi/openapi.json: no drift from the routes, valid OpenAPI 3.1 for an independent validator
// (swagger-parser) and a linter (Redocly's recommended rules), and a second generator (oazapfts)
// makes a client from it that compiles under strict TypeScript.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lint } from '@redocly/openapi-core';
import { generateSource } from 'oazapfts';
import t from 'tap';
import ts from 'typescript';
import { OPENAPI_PATH, renderOpenApi } from '../../scripts/openapi.js';
import { ROOT } from '../helpers.js';

t.test('the committed openapi/openapi.json matches the routes (run `npm run openapi` after changing them)', async (t) => {
  const current = await renderOpenApi();
  t.equal(current, readFileSync(OPENAPI_PATH, 'utf8'));
  const doc = JSON.parse(current);
  t.equal(doc.openapi, '3.1.0');
  t.match(doc.servers, [{ url: 'http://127.0.0.1:8080' }]);
  const generate = doc.paths['/generate'].post;
  t.same(Object.keys(generate.responses['200'].content), ['image/png', 'image/webp', 'image/jpeg', 'application/json']);
  t.same(Object.keys(generate.responses), ['200', '400', '401', '406', '413', '415', '429', '500', '503', '504'], 'concrete codes, no 4XX/5XX ranges');
  t.match(generate.responses['503'], { headers: { 'Retry-After': {} }, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } });
  t.match(generate.responses['200'].content['image/png'].schema, { type: 'string', format: 'binary' });
  t.match(generate.requestBody.content['application/json'].schema, { required: ['class'], additionalProperties: false });
  t.match(doc.paths['/generate/stream'].post.responses['200'].content, { 'text/event-stream': { schema: { $ref: '#/components/schemas/StreamEvent' } } });
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'Only when the server sets API_KEYS; /health and /ready never need it' });
  t.same(generate.security, [{ bearerAuth: [] }, {}]);
  t.same(doc.paths['/health'].get.security, [], '/health is public and says so');
  t.same(doc.paths['/ready'].get.security, []);
  t.match(doc.paths['/metrics'].get.responses['200'].content, { 'text/plain': {} });
  const fields = generate.requestBody.content['application/json'].schema.properties;
  t.match(fields, { image: { type: 'string' }, strength: { exclusiveMinimum: 0, maximum: 1, default: 0.6 }, mask: { type: 'string' }, codes: { type: 'boolean' } });
  t.same(Object.keys(doc.paths['/generate/stream'].post.requestBody.content['application/json'].schema.properties).filter((f) => ['image', 'strength', 'mask', 'codes'].includes(f)), ['image', 'strength', 'mask', 'codes']);
  const encode = doc.paths['/encode'].post;
  t.equal(encode.operationId, 'encode');
  t.same(Object.keys(encode.responses), ['200', '400', '401', '413', '415', '429', '500', '503', '504']);
  t.match(encode.responses['200'].content, { 'application/json': { schema: { $ref: '#/components/schemas/EncodeJson' } } });
  t.match(encode.requestBody.content['application/json'].schema, { required: ['image'], additionalProperties: false });
  t.match(doc.components.schemas.EncodeJson.properties, { codes: { $ref: '#/components/schemas/CodeGrid' }, psnr: { anyOf: [{ type: 'number' }, { type: 'null' }] } });
  t.match(doc.components.schemas.GeneratedImage.properties, { codes: { $ref: '#/components/schemas/CodeGrid' } });
});

t.test('swagger-parser validates the document', async (t) => {
  const api = await SwaggerParser.validate(OPENAPI_PATH);
  t.equal(api.info.title, 'Purrception image generation');
});

t.test("Redocly's recommended rules: no errors; the only warnings are the probes' lack of a 4XX", async (t) => {
  const problems = await lint({ ref: OPENAPI_PATH, config: await createConfig({ extends: ['recommended'] }) });
  const describe = (p: (typeof problems)[number]) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`;
  t.same(problems.filter((p) => p.severity === 'error').map(describe), [], 'no errors');
  // /health and /ready never answer 4xx: they take no input and need no key.
  t.same(
    problems.filter((p) => p.severity !== 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`),
    ['operation-4xx-response #/paths/~1health/get/responses', 'operation-4xx-response #/paths/~1ready/get/responses'],
  );
});

t.test('oazapfts generates a client that compiles under strict TypeScript', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purrception-oazapfts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules')); // for @oazapfts/runtime
  const source = await generateSource(OPENAPI_PATH, {});
  const file = join(dir, 'client.ts');
  writeFileSync(file, source);
  t.match(source, /export function generate\(/);
  t.match(source, /export function encode\(/);
  t.match(source, /status: 503;/, 'error statuses are concrete, each typed');
  t.match(source, /export type StreamEvent = QueuedEvent \| StepEvent \| PreviewEvent \| DoneEvent \| ErrorEvent;/);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  t.same(diagnostics, [], 'tsc reports nothing');
});
