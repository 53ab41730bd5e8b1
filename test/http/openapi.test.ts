// openapi/openapi.json: no drift from the routes, and valid OpenAPI 3.1 with no lint errors for Redocly's
// recommended rules, whose `struct` rule validates the document's structure against the OpenAPI 3.1
// specification and `no-unresolved-refs` every $ref (what swagger-parser checked before). Independent
// tools use it beyond this file: openapi-python-client generates the Python SDK from it
// (python-sdk.test.ts, as oazapfts once showed a second generator could), and schemathesis checks
// every answer of the live service against it (schemathesis.test.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig, lint } from '@redocly/openapi-core';
import t from 'tap';
import { OPENAPI_PATH, renderOpenApi } from '../../scripts/openapi.js';

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
  // A text/event-stream schema describes one event (OpenAPI 3.2's reading, and schemathesis's): its name and its JSON data.
  t.match(doc.paths['/generate/stream'].post.responses['200'].content['text/event-stream'].schema, {
    type: 'object',
    required: ['event', 'data'],
    properties: {
      event: { type: 'string', enum: ['queued', 'step', 'preview', 'done', 'error'] },
      data: { type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/StreamEvent' } },
    },
  });
  t.match(doc.components.schemas.StreamEvent, { anyOf: [{ $ref: '#/components/schemas/QueuedEvent' }] }, 'the data of any event, for the SDK generators');
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'Only when the server sets API_KEYS; /health and /ready never need it' });
  t.same(generate.security, [{ bearerAuth: [] }, {}]);
  t.same(doc.paths['/health'].get.security, [], '/health is public and says so');
  t.same(doc.paths['/ready'].get.security, []);
  t.match(doc.paths['/metrics'].get.responses['200'].content, { 'text/plain': {} });
  const fields = generate.requestBody.content['application/json'].schema.properties;
  t.match(fields, { image: { type: 'string' }, strength: { exclusiveMinimum: 0, maximum: 1, description: /^With image \(default 0\.6\)/ }, mask: { type: 'string' }, codes: { type: 'boolean' } });
  t.notOk('default' in fields.strength, 'no JSON Schema default: a client that sends defaults would send strength without image, a 400');
  t.same(Object.keys(doc.paths['/generate/stream'].post.requestBody.content['application/json'].schema.properties).filter((f) => ['image', 'strength', 'mask', 'codes'].includes(f)), ['image', 'strength', 'mask', 'codes']);
  const encode = doc.paths['/encode'].post;
  t.equal(encode.operationId, 'encode');
  t.same(Object.keys(encode.responses), ['200', '400', '401', '413', '415', '429', '500', '503', '504']);
  t.match(encode.responses['200'].content, { 'application/json': { schema: { $ref: '#/components/schemas/EncodeJson' } } });
  t.match(encode.requestBody.content['application/json'].schema, { required: ['image'], additionalProperties: false });
  t.match(doc.components.schemas.EncodeJson.properties, { codes: { $ref: '#/components/schemas/CodeGrid' }, psnr: { anyOf: [{ type: 'number' }, { type: 'null' }] } });
  t.match(doc.components.schemas.GeneratedImage.properties, { codes: { $ref: '#/components/schemas/CodeGrid' } });
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

t.test("Redocly's recommended rules catch a structurally invalid document (the check swagger-parser made)", async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  delete doc.info.version; // required by OpenAPI
  doc.paths['/generate'].post.responses['200'] = { content: {} }; // a response without its description
  doc.paths['/encode'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/NoSuchSchema' };
  const dir = mkdtempSync(join(tmpdir(), 'purrception-openapi-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'openapi.json');
  writeFileSync(broken, JSON.stringify(doc));
  const problems = await lint({ ref: broken, config: await createConfig({ extends: ['recommended'] }) });
  const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`);
  t.ok(errors.some((e) => e.startsWith('struct #/info')), 'info.version missing');
  t.ok(errors.some((e) => e.startsWith('struct #/paths/~1generate/post/responses/200')), 'a response without description');
  t.ok(errors.some((e) => e.startsWith('no-unresolved-refs #/paths/~1encode')), 'an unresolved $ref');
});
