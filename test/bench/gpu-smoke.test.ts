// bench/gpu/run.sh is meant for a GPU machine that a session gets rarely and briefly, so it must not
// be the first place its scripts run: here it runs end to end in --smoke mode (tiny models, the cpu
// provider), and every stage has to deliver its rows. Its numbers say nothing about GPUs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ROOT } from '../helpers.js';

interface BenchRecord {
  side?: string;
  shape?: string;
  dtype?: string;
  label?: string;
  batch?: number;
  graph?: string;
  images_per_s?: number;
  maxAbsMu?: number;
  share?: number;
  error?: string;
}

const run = promisify(execFile);

t.test('bench/gpu/run.sh --smoke: every stage runs and reports', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purrception-gpu-smoke-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  await run('bash', [join(ROOT, 'bench/gpu/run.sh'), '--smoke', out], {
    cwd: ROOT, env: { ...process.env, WORK: join(dir, 'work') }, maxBuffer: 64 << 20, timeout: 170_000,
  });
  const { records } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { records: BenchRecord[] };
  t.same(records.filter((r) => r.error).map((r) => r.error), [], 'no stage failed or ran out of time');

  for (const shape of ['bundled', 'paper']) {
    for (const batch of [1, 2, 4]) {
      const rate = (side: string, key: string): number | undefined =>
        records.find((r) => r.side === side && r.shape === shape && r.batch === batch && (side === 'torch' ? r.dtype : r.label?.split(':')[1]) === key)?.images_per_s;
      for (const [side, key] of [['torch', 'fp32'], ['torch', 'bf16'], ['engine', 'fp16'], ['engine', 'fp32']] as const) {
        t.ok((rate(side, key) ?? 0) > 0, `${shape}, batch ${batch}: ${side} ${key} images/s`);
      }
    }
    const compared = records.filter((r) => r.side === 'compare' && r.shape === shape);
    const graphs = shape === 'paper' ? ['paper/step.onnx', 'paper/step.fp16.onnx', 'paper-chunked/step.onnx', 'paper-chunked/step.fp16.onnx'] : ['bundled/step.onnx', 'bundled/step.fp16.onnx'];
    t.same([...new Set(compared.map((r) => r.graph!.split('/').slice(-2).join('/')))], graphs, `${shape}: every step graph compared`);
    for (const r of compared) {
      // fp16 compute stays within 0.02 of fp32's mu on these fixtures (the export pytest's bound);
      // the head in chunks computes the same numbers in fp32
      const bound = r.graph!.includes('fp16') ? 0.02 : 1e-5;
      t.ok(r.maxAbsMu! <= bound, `${shape} ${r.graph!.split('/').slice(-2).join('/')}, batch ${r.batch}: max |mu - step.onnx's| ${r.maxAbsMu} <= ${bound}`);
    }
  }
  const profile = records.filter((r) => r.side === 'profile');
  t.ok(profile.length > 3, 'the paper fp16 step graph was profiled');
  const shares = profile.reduce((a, r) => a + r.share!, 0);
  t.ok(shares > 0.5 && shares <= 1 + 1e-9, `the listed kernels hold most of the time (${shares.toFixed(2)})`);
  const table = readFileSync(join(out, 'table.md'), 'utf8');
  t.match(table, /\| paper \| 4 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/, 'the table has a full paper row');
  t.match(table, /Where the paper:fp16 step graph's time goes/);
});
