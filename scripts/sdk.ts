// Generates the TypeScript client SDK in openapi/client/ from openapi/openapi.json (npm run sdk), with
// @hey-api/openapi-ts and its fetch client (binary image responses come back as Blobs, the stream as
// server-sent events). Runs offline. The test suite regenerates into a temporary folder and fails when
// the committed client drifts.
import { fileURLToPath } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';

export const SDK_DIR = fileURLToPath(new URL('../../openapi/client', import.meta.url));
const SPEC = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

export async function generateSdk(output: string = SDK_DIR): Promise<void> {
  await createClient({
    input: SPEC,
    output: { path: output },
    plugins: ['@hey-api/client-fetch'],
    logs: { level: 'silent', file: false },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generateSdk(process.argv[2] ?? SDK_DIR);
  console.log(`wrote ${process.argv[2] ?? SDK_DIR}`);
}
