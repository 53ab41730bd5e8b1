// Entry point: config -> buildApp -> listen; drains gracefully on SIGTERM/SIGINT: the listener stays
// open (Kubernetes expects readiness to fail while the pod still answers), /ready and new generations
// answer 503 DRAINING, in-flight requests finish, then the listener closes and the process exits 0.
// A model's engine that crashed more than ENGINE_RESTARTS times in a row ends the process the same
// way, with exit code 1, so that whatever runs it (Kubernetes, compose, systemd) starts a fresh one.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { DRAIN_DELAY_MS } from './limits.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp({ config });
  closeWithGrace({ delay: DRAIN_DELAY_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'draining: /ready and new generations answer 503 DRAINING; finishing in-flight requests');
    await app.drain();
    app.log.info('drained: closing the listener');
    await app.close();
  });
  void app.engineGivenUp.then(async (reason) => {
    app.log.fatal({ reason: reason.message }, 'an engine was given up on: draining, then exiting 1 so that the process is restarted');
    await app.drain();
    await app.close();
    process.exit(1);
  });
  await app.listen({ port: config.port, host: config.host });
  await app.engineReady;
}

main().catch((err: unknown) => {
  const error = err as Error & { code?: string };
  console.error(`purrception: start-up failed: ${error.code ? `[${error.code}] ` : ''}${error.message}`);
  process.exit(1);
});
