// Run one ONNX graph with onnxruntime-node for the Python tests (purrception/ort.py).
// usage: node ort_run.mjs <model.onnx> <io-dir> <node_modules parent dir>
// <io-dir>/inputs.json: {name: {dtype, shape, file}}; raw little-endian files beside it.
// Writes <io-dir>/outputs.json in the same form, with out-<i>.bin files.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [modelPath, ioDir, moduleRoot] = process.argv.slice(2);
const ort = createRequire(join(moduleRoot, 'noop.js'))('onnxruntime-node');

const ARRAYS = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, float16: Uint16Array, uint8: Uint8Array, bool: Uint8Array };

function readTensor({ dtype, shape, file }) {
  const buf = readFileSync(join(ioDir, file));
  const Ctor = ARRAYS[dtype];
  if (!Ctor) throw new Error(`Unsupported dtype "${dtype}". Should be one of: ${Object.keys(ARRAYS).join(', ')}.`);
  const data = new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return new ort.Tensor(dtype, data, shape);
}

const header = JSON.parse(readFileSync(join(ioDir, 'inputs.json'), 'utf8'));
const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const feeds = {};
for (const [name, spec] of Object.entries(header)) feeds[name] = readTensor(spec);
const results = await session.run(feeds);
const out = {};
Object.entries(results).forEach(([name, tensor], i) => {
  const file = `out-${i}.bin`;
  const d = tensor.data;
  writeFileSync(join(ioDir, file), Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  out[name] = { dtype: tensor.type, shape: tensor.dims, file };
});
writeFileSync(join(ioDir, 'outputs.json'), JSON.stringify(out));
