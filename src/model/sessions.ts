// The only module that imports onnxruntime: creates the step, decode and (optional) encode sessions with the configured
// execution providers (first that loads wins; each provider loads its own variant of a graph when the
// manifest declares one, e.g. an fp16 step graph for cuda and webgpu), checks their inputs and outputs
// against the manifest, runs them, and releases them. Falling back to a later provider is a process
// warning (the engine's worker has no logger; its stderr is the server's) carrying the earlier failures.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError, ProviderError } from '../errors.js';
import type { Provider } from '../config.js';
import type { ModelRunner, StepBatch, StepOutput } from '../engine/runner.js';
import type { GraphFiles, LoadedProviders } from '../engine/protocol.js';
import { graphPathFor, hasPosterior, samplesCodes, type GraphName, type ModelSpec } from './manifest.js';

type Dims = readonly (number | string)[];
interface Port {
  name: string;
  type: ort.Tensor.Type;
  /** Fixed sizes; undefined where the graph must keep the dimension dynamic (the batch). */
  dims: readonly (number | undefined)[];
}

const ORT_PROVIDER: Record<Provider, string> = { cpu: 'cpu', cuda: 'cuda', webgpu: 'webgpu' };

/** onnxruntime-node's native libraries for this platform: its binding, and the CUDA provider once installed. */
const ORT_BIN_DIR = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);

/** What an operator can do about a provider that did not load (the loader's own reason rarely says). */
function remedy(provider: Provider): string {
  if (provider !== 'cuda') return '';
  const library = join(ORT_BIN_DIR, 'libonnxruntime_providers_cuda.so');
  if (existsSync(library)) {
    return ` (onnxruntime-node's CUDA provider is installed, ${library}, but did not load: check the GPU, its driver and the CUDA 12 and cuDNN 9 libraries on the library path)`;
  }
  return (
    ` (onnxruntime-node's CUDA provider is not installed: ${library} is missing. npm leaves it out because the` +
    ' repository\'s .npmrc sets onnxruntime-node-install=skip; install it with' +
    ' `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` (downloads it from' +
    ' nuget.org) and provide the CUDA 12 and cuDNN 9 libraries; the GPU image does both)'
  );
}

export interface SessionOptions {
  executionProviders: Provider[];
  threads: number;
  /**
   * Called once per graph with the provider that loaded, the ones that failed before it and the file
   * that runs (a manifest variant or the graph itself): the place to log which file runs.
   */
  onProvider?: (graph: GraphName, provider: Provider, failures: string[], file: string) => void;
}

async function createSession(
  spec: ModelSpec,
  graph: GraphName,
  options: SessionOptions,
): Promise<{ session: ort.InferenceSession; provider: Provider; path: string }> {
  const failures: string[] = [];
  const tried = new Set<string>();
  for (const provider of options.executionProviders) {
    const path = graphPathFor(spec, graph, provider);
    tried.add(path);
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [ORT_PROVIDER[provider]],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      if (failures.length > 0) {
        // A GPU pod that serves at CPU speed works but is not what was asked for: say so, with the reason.
        process.emitWarning(
          `the ${graph} graph runs on ${provider} because ${failures.join('; ')}; PROVIDER_FALLBACK=fail makes this fail start-up instead`,
          { code: 'PURRCEPTION_PROVIDER_FALLBACK' },
        );
      }
      options.onProvider?.(graph, provider, failures, path);
      return { session, provider, path };
    } catch (err) {
      failures.push(`${provider}: ${(err as Error).message.split('\n')[0]}${remedy(provider)}`);
    }
  }
  // The CPU provider is always there: when it fails too, the graph is at fault, otherwise the machine.
  const Failure = options.executionProviders.includes('cpu') ? ModelError : ProviderError;
  throw new Failure(
    `${[...tried].join(', ')}: no execution provider could load the ${graph} graph (tried ${options.executionProviders.join(', ')}): ${failures.join('; ')}`,
  );
}

function checkPorts(path: string, kind: 'input' | 'output', actual: readonly ort.InferenceSession.ValueMetadata[], expected: Port[]): void {
  const names = actual.map((port) => port.name);
  for (const want of expected) {
    const port = actual.find((p) => p.name === want.name);
    if (!port) {
      throw new ModelError(`${path}: missing ${kind} "${want.name}" (the graph has ${kind}s: ${names.join(', ')})`);
    }
    if (!port.isTensor || port.type !== want.type) {
      throw new ModelError(`${path}: ${kind} "${want.name}" must be ${want.type}, the graph has ${port.isTensor ? port.type : 'a non-tensor'}`);
    }
    const dims: Dims = port.shape;
    const shapeText = `[${dims.join(', ')}]`;
    if (dims.length !== want.dims.length) {
      throw new ModelError(`${path}: ${kind} "${want.name}" must have rank ${want.dims.length}, the graph has ${shapeText}`);
    }
    want.dims.forEach((size, axis) => {
      const dim = dims[axis];
      const dynamic = typeof dim === 'string' || dim === -1;
      if (size === undefined ? !dynamic : dim !== size && !dynamic) {
        const wanted = `[${want.dims.map((d) => d ?? 'B').join(', ')}]`;
        throw new ModelError(`${path}: ${kind} "${want.name}" has shape ${shapeText}, the manifest implies ${wanted}`);
      }
    });
  }
  if (kind === 'input' && actual.length !== expected.length) {
    const extra = names.filter((name) => !expected.some((p) => p.name === name));
    throw new ModelError(`${path}: unexpected inputs ${extra.join(', ')} (the contract feeds ${expected.map((p) => p.name).join(', ')})`);
  }
}

type Loaded = Awaited<ReturnType<typeof createSession>>;

/** Step, decode and (when the model has one) encode sessions honouring the contract, behind the scheduler's ModelRunner interface. */
export class OrtModel implements ModelRunner {
  private constructor(
    private readonly stepSession: ort.InferenceSession,
    private readonly decodeSession: ort.InferenceSession,
    private readonly encodeSession: ort.InferenceSession | undefined,
    readonly providers: LoadedProviders,
    private readonly spec: ModelSpec,
    /** The files that run: the manifest's graphs, or the variants of the providers that loaded. */
    readonly files: GraphFiles,
    /**
     * Whether the step graph takes `guide` (the rows to guide). Graphs exported before it guide every
     * row: the scheduler's unguided rows come with cfg 1 (or y = null for cfg 0), which they run as
     * h_u + 1 (h_c - h_u), the same values at twice the cost.
     */
    readonly guidesRows: boolean,
  ) {}

  /** Whether the step graph has the posterior's tau input and entropy output (purrception models). */
  private get posterior(): boolean {
    return hasPosterior(this.spec.manifest);
  }

  static async load(spec: ModelSpec, options: SessionOptions): Promise<OrtModel> {
    const { latent, image } = spec.manifest;
    const zDims = [undefined, latent.channels, latent.height, latent.width];
    const imageDims = [undefined, 3, image.height, image.width];
    const codesDims = [undefined, latent.height, latent.width];
    const loaded: Loaded[] = [];
    const releaseAll = (): Promise<unknown> => Promise.all(loaded.map((l) => l.session.release()));
    const load = async (graph: GraphName): Promise<Loaded> => {
      const session = await createSession(spec, graph, options).catch(async (err: unknown) => {
        await releaseAll();
        throw err;
      });
      loaded.push(session);
      return session;
    };
    const step = await load('step');
    const decode = await load('decode');
    const encode = spec.encodePath === undefined ? undefined : await load('encode');
    const guidesRows = step.session.inputNames.includes('guide');
    const codesInOut = samplesCodes(spec.manifest); // dfm: codes in, p(x_1 | x_t) out; decode from codes
    const probsDims = [undefined, spec.manifest.codebook_size, latent.height, latent.width];
    try {
      checkPorts(step.path, 'input', step.session.inputMetadata, [
        codesInOut ? { name: 'codes', type: 'int64' as const, dims: codesDims } : { name: 'z', type: 'float32' as const, dims: zDims },
        { name: 't', type: 'float32', dims: [undefined] },
        { name: 'y', type: 'int64', dims: [undefined] },
        { name: 'cfg', type: 'float32', dims: [undefined] },
        ...(hasPosterior(spec.manifest) ? [{ name: 'tau', type: 'float32' as const, dims: [undefined] }] : []),
        ...(guidesRows ? [{ name: 'guide', type: 'int64' as const, dims: [undefined] }] : []),
      ]);
      checkPorts(step.path, 'output', step.session.outputMetadata, [
        codesInOut ? { name: 'probs', type: 'float32' as const, dims: probsDims } : { name: 'mu', type: 'float32' as const, dims: zDims },
        ...(hasPosterior(spec.manifest) ? [{ name: 'entropy', type: 'float32' as const, dims: [undefined, latent.height, latent.width] }] : []),
      ]);
      checkPorts(decode.path, 'input', decode.session.inputMetadata, [
        codesInOut ? { name: 'codes', type: 'int64' as const, dims: codesDims } : { name: 'z', type: 'float32' as const, dims: zDims },
      ]);
      checkPorts(decode.path, 'output', decode.session.outputMetadata, [
        { name: 'image', type: 'float32', dims: imageDims },
        ...(codesInOut ? [] : [{ name: 'codes', type: 'int64' as const, dims: codesDims }]),
      ]);
      if (encode) {
        checkPorts(encode.path, 'input', encode.session.inputMetadata, [{ name: 'image', type: 'float32', dims: imageDims }]);
        checkPorts(encode.path, 'output', encode.session.outputMetadata, [
          { name: 'z', type: 'float32', dims: zDims },
          { name: 'codes', type: 'int64', dims: codesDims },
        ]);
      }
    } catch (err) {
      await releaseAll();
      throw err;
    }
    const providers: LoadedProviders = { step: step.provider, decode: decode.provider };
    const files: GraphFiles = { step: step.path, decode: decode.path };
    if (encode) {
      providers.encode = encode.provider;
      files.encode = encode.path;
    }
    return new OrtModel(step.session, decode.session, encode?.session, providers, spec, files, guidesRows);
  }

  async step(batch: StepBatch): Promise<StepOutput> {
    const { channels, height, width } = this.spec.manifest.latent;
    const n = batch.size;
    const feeds = {
      ...(batch.codes
        ? { codes: new ort.Tensor('int64', batch.codes, [n, height, width]) }
        : { z: new ort.Tensor('float32', batch.z, [n, channels, height, width]) }),
      t: new ort.Tensor('float32', batch.t, [n]),
      y: new ort.Tensor('int64', batch.y, [n]),
      cfg: new ort.Tensor('float32', batch.cfg, [n]),
      ...(this.posterior ? { tau: new ort.Tensor('float32', batch.tau, [n]) } : {}),
      ...(this.guidesRows ? { guide: new ort.Tensor('int64', batch.guide, [batch.guide.length]) } : {}),
    };
    const out = await this.run(this.stepSession, 'step', feeds);
    if (batch.codes) return { probs: out.probs!.data as Float32Array };
    const mu = out.mu!.data as Float32Array;
    return this.posterior ? { mu, entropy: out.entropy!.data as Float32Array } : { mu };
  }

  async decodeCodes(codes: BigInt64Array, size: number): Promise<Float32Array> {
    const { height, width } = this.spec.manifest.latent;
    const out = await this.run(this.decodeSession, 'decode', { codes: new ort.Tensor('int64', codes, [size, height, width]) });
    return out.image!.data as Float32Array;
  }

  async decode(z: Float32Array, size: number): Promise<{ image: Float32Array; codes: BigInt64Array }> {
    const { channels, height, width } = this.spec.manifest.latent;
    const out = await this.run(this.decodeSession, 'decode', { z: new ort.Tensor('float32', z, [size, channels, height, width]) });
    return { image: out.image!.data as Float32Array, codes: out.codes!.data as BigInt64Array };
  }

  async encode(image: Float32Array, size: number): Promise<{ z: Float32Array; codes: BigInt64Array }> {
    if (!this.encodeSession) throw new ModelError(`${this.spec.dir}: the model has no encode graph (manifest "graphs.encode")`);
    const { height, width } = this.spec.manifest.image;
    const out = await this.run(this.encodeSession, 'encode', { image: new ort.Tensor('float32', image, [size, 3, height, width]) });
    return { z: out.z!.data as Float32Array, codes: out.codes!.data as BigInt64Array };
  }

  async release(): Promise<void> {
    await Promise.all([this.stepSession.release(), this.decodeSession.release(), this.encodeSession?.release()]);
  }

  private async run(
    session: ort.InferenceSession,
    graph: string,
    feeds: Record<string, ort.Tensor>,
  ): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await session.run(feeds);
    } catch (err) {
      const shapes = Object.entries(feeds).map(([name, tensor]) => `${name}: ${tensor.type}[${tensor.dims.join(',')}]`);
      throw new Error(`${graph} graph run failed with inputs ${shapes.join(' ')}: ${(err as Error).message}`, { cause: err });
    }
  }
}
