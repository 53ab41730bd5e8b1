// bench/throughput.ts without a PyTorch checkpoint compares nothing with PyTorch: it says so, and
// prints neither NaN nor a verdict on the 3x target.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ROOT, TINY_DIR } from '../helpers.js';

t.test('throughput without --ckpt: engine and HTTP rates, "not compared" instead of NaN and MISSED', async (t) => {
  const run = spawnSync(process.execPath, [`${ROOT}dist/bench/throughput.js`, '--model', TINY_DIR, '--steps', '2', '--concurrency', '2', '--images', '4', '--rounds', '1', '--threads', '1'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /engine only .*\| not compared \|/);
  t.match(run.stdout, /target service >= 3x PyTorch: not compared \(no PyTorch checkpoint at .*: give --ckpt DIR\)/);
  t.notMatch(run.stdout, /NaN|MISSED/);
});
