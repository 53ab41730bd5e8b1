// schemathesis (pinned in openapi/requirements.txt), an independent tool, generates requests from
// openapi/openapi.json and checks every answer of a live service against the document: every
// operation, its examples bounded (--max-examples, a fixed seed, one worker: the same requests each
// run, the whole run well under two minutes), and the five checks below, none left out:
//   not_a_server_error            no 5xx
//   status_code_conformance       every status is documented for its operation
//   content_type_conformance      every Content-Type is documented for its status
//   response_schema_conformance   every body (JSON, and each server-sent event of the stream) fits its schema
//   response_headers_conformance  every documented header (X-Seed, X-Mean-Entropy, Retry-After...) fits its schema
// The tiny fixture model (4 classes, 32x32) keeps generations cheap, steps up to 1000 and n up to 16
// included. schemathesis-hooks.py aims 3 in 4 of the valid bodies at the served model, its classes and
// real PNGs (it explains why); no operation is excluded.
//
// What it found, each fixed in the service or the document: tau = 5e-324 gave a NaN posterior
// (X-Mean-Entropy: NaN; sampling.ts MIN_TAU); strength = 5e-324 ran no step (NaN mean entropy, a 500 for
// JSON answers; image-input.ts MIN_STRENGTH); the stream's schema described each event's data, where
// a text/event-stream schema describes the event (its `event` and `data` fields: schemas.ts StreamResponse).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { OPENAPI_PATH } from '../../scripts/openapi.js';
import { ROOT, TINY_DIR, imageOf, listening, pythonEnv, readyApp } from '../helpers.js';

const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance'];
const MAX_EXAMPLES = 40;
const SEED = 1;

t.test('schemathesis: every operation of the live service conforms to openapi.json', async (t) => {
  const bin = await pythonEnv();
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const url = await listening(app);
  const work = mkdtempSync(join(tmpdir(), 'purrception-schemathesis-')); // its .schemathesis/ and .hypothesis/
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  const png = async (colour: number[]) => (await imageOf(32, 32, () => colour)).toString('base64');
  const served = { model: 'tiny', labels: ['cat', 'dog', 'fox', 'owl'], image: await png([200, 120, 40]), mask: await png([255, 255, 255]) };
  const args = [
    'run', OPENAPI_PATH, '--url', url,
    '--checks', CHECKS.join(','),
    '--max-examples', String(MAX_EXAMPLES), '--seed', String(SEED), '--workers', '1',
    '--generation-database', 'none', '--no-color',
  ];
  const env = { ...process.env, SCHEMATHESIS_HOOKS: join(ROOT, 'test/http/schemathesis-hooks.py'), PURRCEPTION_FUZZ: JSON.stringify(served) };
  const started = Date.now();
  const { code, output } = await promisify(execFile)(join(bin, 'schemathesis'), args, { cwd: work, env, maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, output: (err.stdout ?? '') + (err.stderr ?? '') }),
  );
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(join(work, 'output.txt'), output);

  // Its summary, in one line for the log: operations, test cases, failures, errors.
  const count = (pattern: RegExp): number | undefined => {
    const m = pattern.exec(output);
    return m ? Number(m[1]) : undefined;
  };
  const operations = /Selected: (\d+)\/(\d+)/.exec(output);
  const tested = count(/Tested: (\d+)/);
  const cases = count(/(\d+) generated/);
  const failures = count(/(\d+) unique failures?/) ?? 0;
  // "Errors:" lists each kind with its count ("🚫 Runtime Error: 2") up to a blank line
  const errorLines = /^Errors:\n((?:.+\n)*)/m.exec(output)?.[1] ?? '';
  const errors = [...errorLines.matchAll(/: (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const verdict = /^=+ (.+?) =+$/m.exec(output.split('SUMMARY').at(-1) ?? '')?.[1] ?? '(no summary)';
  t.comment(
    `schemathesis ${operations?.[1] ?? '?'}/${operations?.[2] ?? '?'} operations, ${tested ?? '?'} tested; ${cases ?? '?'} test cases ` +
      `(--max-examples ${MAX_EXAMPLES}, --seed ${SEED}); ${failures} failures, ${errors} errors; ${verdict}; ${seconds.toFixed(1)} s`,
  );
  if (code !== 0) t.comment(output.slice(output.indexOf('FAILURES') >= 0 ? output.indexOf('FAILURES') : Math.max(0, output.indexOf('ERRORS'))));

  t.equal(code, 0, 'schemathesis exits 0: no failure, no error');
  t.equal(operations?.[1], operations?.[2], 'every operation selected');
  t.equal(tested, Number(operations?.[2]), 'every operation tested');
  t.ok((cases ?? 0) > 100, 'hundreds of test cases');
  t.match(output, /Coverage[\s\S]*Fuzzing[\s\S]*Stateful/, 'its phases ran: coverage, fuzzing, stateful');
  t.ok(seconds < 120, `under two minutes (${seconds.toFixed(1)} s)`);
});

t.test('what schemathesis found stays fixed: the smallest tau and strength the document allows', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const image = (await imageOf(32, 32, () => [200, 120, 40])).toString('base64');
  const post = (body: object, accept = 'image/png') => app.inject({ method: 'POST', url: '/generate', headers: { accept }, payload: body });

  const tiny = await post({ class: 'dog', tau: 5e-324, seed: 1, steps: 4 });
  t.equal(tiny.statusCode, 200);
  t.match(tiny.headers['x-mean-entropy'], /^\d+\.\d{4}$/, `tau 5e-324: a finite mean entropy (${String(tiny.headers['x-mean-entropy'])})`);
  const floor = await post({ class: 'dog', tau: 1e-30, seed: 1, steps: 4 });
  t.same(tiny.rawPayload, floor.rawPayload, 'the same image as at tau 1e-30 (MIN_TAU)');
  const schedule = await post({ class: 'dog', tau: { start: 5e-324, end: 1 }, seed: 1, steps: 4 });
  t.match(schedule.headers['x-mean-entropy'], /^\d+\.\d{4}$/, 'a schedule from 5e-324 too');

  const weak = await post({ class: 'dog', image, strength: 5e-324, seed: 1, steps: 4, uncertainty: true }, 'application/json');
  t.equal(weak.statusCode, 200, `strength 5e-324 as JSON: ${weak.statusCode} (was a 500: NaN mean entropy)`);
  const answer = weak.json<{ images: { meanEntropy: number; data: string; uncertainty: { mean: number } }[] }>();
  t.ok(Number.isFinite(answer.images[0]!.meanEntropy) && Number.isFinite(answer.images[0]!.uncertainty.mean), 'finite entropies');
  const atFloor = (await post({ class: 'dog', image, strength: 1e-6, seed: 1, steps: 4, uncertainty: true }, 'application/json')).json<typeof answer>();
  t.equal(answer.images[0]!.data, atFloor.images[0]!.data, 'the same image as at strength 1e-6 (MIN_STRENGTH)');
});
