// Writes openapi/openapi.json from the route schemas (npm run openapi). The test suite fails when the
// committed file drifts from what the routes produce.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';

export const OPENAPI_PATH = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));
const DOC_MODEL_DIR = fileURLToPath(new URL('../../test/fixtures/oracle', import.meta.url));

/** The document is model-independent; the small oracle model only lets the app start. */
export async function renderOpenApi(): Promise<string> {
  const app = await buildApp({ config: { ...DEFAULTS, modelDir: DOC_MODEL_DIR, threads: 1 }, logger: false });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_PATH, await renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
}
