// The model repository: MODEL_DIR -> the models one service serves. MODEL_DIR is one model directory,
// several separated by commas (served in that order), or a folder of model folders (every subfolder
// holding a manifest.json, in name order). The first model is the default of requests without `model`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { loadModelSpec, type ModelSpec } from './manifest.js';

/** The model directories MODEL_DIR names, in serving order. */
export function modelDirsOf(modelDir: string): string[] {
  const entries = modelDir.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new ModelError('MODEL_DIR names no model directory');
  if (entries.length > 1) return entries;
  const dir = entries[0]!;
  const isFolder = existsSync(dir) && statSync(dir).isDirectory();
  if (!isFolder || existsSync(join(dir, 'manifest.json'))) return [dir]; // loadModelSpec says what is missing
  // statSync follows symbolic links: a linked model folder is served like any other
  const models = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true && existsSync(join(path, 'manifest.json')))
    .sort();
  if (models.length === 0) {
    throw new ModelError(`${join(dir, 'manifest.json')}: not found, and no folder in ${dir} holds one (MODEL_DIR must be a model directory, a comma-separated list of them, or a folder of model folders)`);
  }
  return models;
}

/** Every model MODEL_DIR names, validated; a broken model or two models of one name fail naming the files. */
export function loadModelRepository(modelDir: string): ModelSpec[] {
  const specs: ModelSpec[] = [];
  for (const dir of modelDirsOf(modelDir)) {
    const spec = loadModelSpec(dir);
    const clash = specs.find((other) => other.manifest.name === spec.manifest.name);
    if (clash) {
      throw new ModelError(
        `${join(clash.dir, 'manifest.json')} and ${join(dir, 'manifest.json')} both name their model "${spec.manifest.name}": requests choose a model by name, so the names must differ`,
      );
    }
    specs.push(spec);
  }
  return specs;
}
