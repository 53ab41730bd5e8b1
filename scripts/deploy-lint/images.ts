// The images: every Dockerfile (dockerfile-utils' diagnostics plus the image's own rules, read through
// dockerfile-ast), the .dockerignore beside it, and the image's file layout against the build context.
import path from 'node:path';
import { Arg, Cmd, DockerfileParser, Entrypoint, Env, From, Healthcheck, JSONInstruction, Workdir, type Instruction } from 'dockerfile-ast';
import { validate as validateDockerfile } from 'dockerfile-utils';
import ignore from 'ignore';
import { checkEnvName, checkEnvValue, urlPaths, type ServiceFacts } from './facts.js';
import { findingsOf, type Finding } from './findings.js';
import { REPO_ROOT, isRepositoryFolder, repositoryFiles } from './repository.js';

/** One line of a Dockerfile's findings, 1-based as editors show it. */
function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

interface CopyStep {
  line: number;
  /** The stage it copies from (COPY --from), or undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute destination in the image. */
  dest: string;
  /** The destination is a directory the sources go into. */
  intoDir: boolean;
}

interface Stage {
  from: From;
  name?: string;
  /** The stage's instructions after its FROM. */
  instructions: Instruction[];
  workdir: string;
  copies: CopyStep[];
  runs: string[];
}

/**
 * The strings of an exec-form (JSON) COPY, ADD, CMD or ENTRYPOINT; undefined in shell form, which is
 * also how Docker reads malformed JSON. Parsed from the arguments rather than getJSONStrings(), which
 * drops the blanks inside a string ("npm start" reads as "npmstart").
 */
function execForm(instruction: JSONInstruction): string[] | undefined {
  if (instruction.getOpeningBracket() === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(instruction.getArgumentsContent() ?? '');
    return Array.isArray(parsed) && parsed.every((s) => typeof s === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The operands of a COPY, ADD, CMD or ENTRYPOINT, flags left out: its exec-form strings, else its words. */
function operands(instruction: JSONInstruction): string[] {
  return execForm(instruction) ?? instruction.getArguments().map((a) => a.getValue());
}

/** The image a FROM names, with the build arguments it uses substituted. */
function fromImage(from: From): string {
  return from.getExpandedArguments()[0]?.getValue() ?? '';
}

/** Name=value of ENV or ARG instructions, later ones winning. */
function properties(instructions: Instruction[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const instruction of instructions) {
    if (instruction instanceof Env || instruction instanceof Arg) {
      for (const property of instruction.getProperties()) values.set(property.getName(), property.getValue() ?? '');
    }
  }
  return values;
}

/** A Dockerfile's instructions, continuation lines joined, comments and parser directives left out. */
function dockerInstructions(text: string): Instruction[] {
  return DockerfileParser.parse(text).getInstructions();
}

/** The image each FROM of a Dockerfile names, build arguments substituted. */
export function baseImages(text: string): string[] {
  return dockerInstructions(text).filter((i) => i instanceof From).map(fromImage);
}

/** The build stages of a Dockerfile's instructions; ARGs before the first FROM belong to none. */
function dockerStages(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction instanceof From) {
      stages.push({ from: instruction, name: instruction.getBuildStage() ?? undefined, instructions: [], workdir: '/', copies: [], runs: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue;
    stage.instructions.push(instruction);
    const keyword = instruction.getKeyword();
    if (instruction instanceof Workdir) stage.workdir = path.posix.resolve(stage.workdir, instruction.getPath() ?? '.');
    if (keyword === 'RUN') stage.runs.push(instruction.getArgumentsContent() ?? '');
    if ((keyword === 'COPY' || keyword === 'ADD') && instruction instanceof JSONInstruction) {
      const paths = operands(instruction);
      if (paths.length < 2) continue; // dockerfile-utils reports it
      const destRaw = paths.at(-1)!;
      const sources = paths.slice(0, -1);
      stage.copies.push({
        line: lineOf(instruction),
        from: instruction.getFlags().find((f) => f.getName() === 'from')?.getValue() ?? undefined,
        sources,
        dest: path.posix.resolve(stage.workdir, destRaw),
        intoDir: sources.length > 1 || /\/$|^\.$/.test(destRaw),
      });
    }
  }
  return stages;
}

export interface DockerfileExpectations {
  /** The image's EXECUTION_PROVIDERS. */
  providers: string;
  /** Regular expression the final stage's base image must match. */
  base?: RegExp;
  /** The image installs onnxruntime-node's CUDA provider. */
  cuda?: boolean;
}

export function expectationsFor(file: string): DockerfileExpectations {
  if (/\.gpu$/.test(file)) {
    return { providers: 'cuda,cpu', base: /^nvidia\/cuda:12\.[\d.]+-cudnn[\w-]*-runtime-ubuntu24\.04$/, cuda: true };
  }
  return { providers: 'cpu' };
}

export function lintDockerfile(file: string, text: string, facts: ServiceFacts, expect: DockerfileExpectations): Finding[] {
  const { findings, error, warn } = findingsOf(file);

  for (const d of validateDockerfile(text)) {
    const where = `line ${d.range.start.line + 1}`;
    // DiagnosticSeverity: 1 error, 2 warning, 3 information, 4 hint.
    if (d.severity === 1 || d.severity === undefined) error(`${where}: ${d.message}`);
    else warn(`${where}: ${d.message}`);
  }

  const instructions = dockerInstructions(text);
  const stages = dockerStages(instructions);
  if (stages.length < 2) error('not a multi-stage build: build in one stage, copy the result into a runtime stage');
  const final = stages.at(-1);
  if (!final) return findings;
  const image = fromImage(final.from);
  if (expect.base && !expect.base.test(image)) error(`line ${lineOf(final.from)}: runtime base image "${image}" does not match ${expect.base}`);

  const last = (keyword: string): Instruction | undefined => final.instructions.filter((i) => i.getKeyword() === keyword).at(-1);
  const env = properties(final.instructions.filter((i) => i instanceof Env));
  for (const [name, value] of env) {
    const problem = checkEnvName(name, facts) ?? checkEnvValue(name, value, facts);
    if (problem) error(`runtime ENV: ${problem}`);
  }
  if (env.get('HOST') !== '0.0.0.0') error('runtime stage must set ENV HOST=0.0.0.0 (the service listens on 127.0.0.1 by default)');
  if (env.get('EXECUTION_PROVIDERS') !== expect.providers) {
    error(`runtime stage must set ENV EXECUTION_PROVIDERS=${expect.providers} (found ${env.get('EXECUTION_PROVIDERS') ?? 'none'})`);
  }

  const user = last('USER');
  const userArgs = user?.getArgumentsContent() ?? '';
  const userName = userArgs.split(':')[0]?.trim();
  if (!user || !userName) error('runtime stage has no USER: the service must not run as root');
  else if (userName === 'root' || userName === '0') error(`line ${lineOf(user)}: USER ${userArgs} runs as root`);
  else if (!/^\d+$/.test(userName)) warn(`line ${lineOf(user)}: USER ${userArgs} is not numeric: Kubernetes runAsNonRoot cannot verify a user name`);

  const expose = final.instructions.filter((i) => i.getKeyword() === 'EXPOSE').flatMap((i) => i.getArguments().map((a) => a.getValue()));
  if (!expose.some((p) => p.replace(/\/tcp$/, '') === String(facts.port))) error(`runtime stage must EXPOSE ${facts.port} (found ${expose.join(' ') || 'none'})`);

  if (last('STOPSIGNAL')?.getArgumentsContent()?.trim() !== 'SIGTERM') error('runtime stage must set STOPSIGNAL SIGTERM (the service drains on SIGTERM)');

  const health = last('HEALTHCHECK');
  if (!(health instanceof Healthcheck) || health.getSubcommand()?.getValue().toUpperCase() === 'NONE') error('runtime stage has no HEALTHCHECK');
  else {
    const command = health.getArgumentsContent() ?? '';
    const paths = urlPaths(command);
    if (!paths.includes('/health')) error(`line ${lineOf(health)}: HEALTHCHECK must request /health (requests ${paths.join(', ') || 'no URL'})`);
    for (const p of paths) if (!facts.routes.includes(p)) error(`line ${lineOf(health)}: HEALTHCHECK requests ${p}, not a route of the service`);
    if (/\bcurl\b|\bwget\b/.test(command)) warn(`line ${lineOf(health)}: HEALTHCHECK uses curl/wget, absent from slim images: use node -e fetch`);
  }

  const cmd = final.instructions.filter((i) => i instanceof Cmd).at(-1);
  const entrypoint = final.instructions.filter((i) => i instanceof Entrypoint).at(-1);
  const start = entrypoint ?? cmd;
  const words = [entrypoint, cmd].flatMap((i) => (i ? operands(i) : [])).join(' ');
  if (!start) error('runtime stage has no CMD');
  else if (!execForm(start)) error(`line ${lineOf(start)}: ${start.getKeyword()} must use the exec (JSON) form so node is PID 1 and receives SIGTERM`);
  else if (!/dist\/src\/server\.js/.test(words)) error(`line ${lineOf(start)}: the image must run node dist/src/server.js`);
  if (start && /\bnpm\s+(start|run)\b/.test(operands(start).join(' '))) {
    error(`line ${lineOf(start)}: do not start through npm (it runs tsc, and npm does not forward signals reliably)`);
  }

  const runs = stages.flatMap((s) => s.runs).join('\n');
  if (!/\bnpm ci\b/.test(runs)) error('no RUN npm ci: install from the lockfile');
  if (!/npm prune[^\n]*--omit=dev|npm ci[^\n]*--omit=dev/.test(runs)) error('dev dependencies are not pruned (npm prune --omit=dev)');
  if (!/npm run build|\btsc\b/.test(runs)) error('no build step (npm run build)');
  const installFlag = properties(instructions).get('ONNXRUNTIME_NODE_INSTALL');
  if (expect.cuda) {
    if (installFlag !== 'cuda12') error('the build must set ONNXRUNTIME_NODE_INSTALL=cuda12 (the repo .npmrc skips the CUDA provider)');
    const ignoresScripts = /npm ci[^\n]*--ignore-scripts/.test(runs);
    if (ignoresScripts && !/onnxruntime-node\/script\/install/.test(runs)) {
      error('npm ci --ignore-scripts without running node_modules/onnxruntime-node/script/install.js: no CUDA provider');
    }
    if (!ignoresScripts && !/onnxruntime-node\/script\/install|npm rebuild onnxruntime-node/.test(runs)) {
      warn('onnxruntime-node\'s install script is left to npm\'s script policy (npm 11 may not run it): run it explicitly');
    }
    if (!/libonnxruntime_providers_cuda\.so/.test(runs)) warn('the build does not check that libonnxruntime_providers_cuda.so was installed');
  }
  return findings;
}

/**
 * Whether BuildKit leaves `rel` out of the build context. Its rules are not git's: patterns are
 * anchored at the context root, and the last pattern that matches the path or one of its parents
 * decides, so `!src/**` brings back files of a folder `*` left out (git cannot). Hence one `ignore`
 * matcher per pattern, each anchored with a leading slash (it matches the path or a parent folder).
 */
export function dockerignoreExcludes(text: string): (rel: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = line.replace(/^!/, '').replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, matcher: ignore().add(`/${pattern}`) };
    });
  return (rel) => rules.reduce((excluded, rule) => (rule.matcher.ignores(rel) ? !rule.negated : excluded), false);
}

/**
 * What must stay out of every build context, each with a file that would be in it: the host's
 * dependencies and build (the image makes its own) and git's store.
 */
const KEPT_OUT = [
  { name: 'node_modules', inside: 'node_modules/onnxruntime-node/package.json' },
  { name: 'dist', inside: 'dist/src/server.js' },
  { name: '.git', inside: '.git/HEAD' },
];

/** The BuildKit per-Dockerfile ignore file must exist and keep node_modules, dist and .git out. */
export function lintDockerignore(file: string, text: string | undefined): Finding[] {
  const { findings, error } = findingsOf(file);
  if (text === undefined) {
    error('missing: BuildKit reads <Dockerfile>.dockerignore beside each Dockerfile');
    return findings;
  }
  const excluded = dockerignoreExcludes(text);
  for (const { name, inside } of KEPT_OUT) {
    if (!excluded(name) || !excluded(inside)) error(`${name} is not excluded from the build context`);
  }
  return findings;
}

/** Where an image path comes from through one COPY: the source path, or undefined if it does not. */
function copiedFrom(copy: CopyStep, imagePath: string, isDirSource: (source: string) => boolean): string | undefined {
  for (const source of copy.sources) {
    const clean = source.replace(/\/$/, '');
    // A directory's contents land in the destination; a file lands in it under its own name.
    const target = copy.intoDir && !isDirSource(clean) ? path.posix.join(copy.dest, path.posix.basename(clean)) : copy.dest;
    if (imagePath === target) return clean;
    if (imagePath.startsWith(`${target}/`)) return `${clean}${imagePath.slice(target.length)}`;
  }
  return undefined;
}

/**
 * The image holds what the server reads: every runtime path (ServiceFacts.runtimePaths and the script
 * CMD runs) arrives in the runtime stage through a COPY; copies from an earlier stage take what that
 * stage copied or built; copies from the build context name repository files that the Dockerfile's
 * .dockerignore lets through.
 */
export function lintImageLayout(file: string, text: string, dockerignore: string | undefined, facts: ServiceFacts, root: string = REPO_ROOT): Finding[] {
  const { findings, error } = findingsOf(file);
  const stages = dockerStages(dockerInstructions(text));
  const final = stages.at(-1);
  if (!final) return findings;
  const excluded = dockerignoreExcludes(dockerignore ?? '');
  const isContextDir = (source: string): boolean => isRepositoryFolder(root, source);

  for (const copy of stages.flatMap((s) => s.copies).filter((c) => c.from === undefined)) {
    for (const source of copy.sources) {
      const rel = path.posix.normalize(source.replace(/^\.\//, '').replace(/\/$/, '')) || '.';
      const files = repositoryFiles(root, rel);
      if (files.length === 0) {
        error(`line ${copy.line}: COPY source ${source} does not exist in the repository`);
        continue;
      }
      const left = files.filter(excluded);
      if (left.length > 0) {
        error(`line ${copy.line}: COPY ${source}: ${left.slice(0, 3).join(', ')}${left.length > 3 ? ` and ${left.length - 3} more` : ''} left out of the build context by ${path.basename(file)}.dockerignore: allow-list them (!${rel}/**)`);
      }
    }
  }

  const start = final.instructions.filter((i) => i instanceof Cmd || i instanceof Entrypoint).at(-1);
  const script = start ? operands(start).find((word) => /^dist\/.+\.js$/.test(word)) : undefined;
  const needed = [...new Set([...facts.runtimePaths, ...(script ? [script] : [])])];
  for (const need of needed) {
    const imagePath = path.posix.resolve(final.workdir, need);
    const copy = [...final.copies].reverse().find((c) => copiedFrom(c, imagePath, c.from === undefined ? isContextDir : () => true) !== undefined);
    if (!copy) {
      error(`the runtime stage does not copy ${need} (${imagePath}), which the server reads at run time`);
      continue;
    }
    if (copy.from === undefined) continue; // checked against the context above
    const stage = stages.find((s) => s.name === copy.from);
    if (!stage) continue; // an external image, e.g. the Node binary
    const source = copiedFrom(copy, imagePath, () => true)!;
    const inStage = path.posix.relative(stage.workdir, source);
    const top = inStage.split('/')[0]!;
    const runs = stage.runs.join('\n');
    const built = (top === 'node_modules' && /\bnpm (ci|install)\b/.test(runs)) || (top === 'dist' && /npm run build|\btsc\b/.test(runs));
    const copied = stage.copies.some((c) => copiedFrom(c, source, c.from === undefined ? isContextDir : () => true) !== undefined);
    if (!built && !copied) error(`line ${copy.line}: ${need} comes from stage ${copy.from}'s ${source}, which that stage neither copies nor builds`);
  }
  return findings;
}
