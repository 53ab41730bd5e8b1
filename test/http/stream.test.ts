// POST /generate/stream: server-sent events queued -> step -> preview -> done | error; disconnect cancels.
import { request as httpRequest } from 'node:http';
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { TINY_DIR, decodePng, generate, leftTheBatch, metricValue, readyApp, until } from '../helpers.js';

interface Event {
  event: string;
  data: Record<string, unknown>;
}

export function parseSse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice(7);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>;
      return { event, data };
    });
}

t.test('events: queued, every step, previews every k steps, done with the same PNG as /generate', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const body = { class: 'fox', steps: 6, seed: 12, tau: { start: 1, end: 0.7 }, sampler: 'heun' };
  const res = await app.inject({ method: 'POST', url: '/generate/stream', payload: { ...body, previewEvery: 2, uncertainty: true } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/event-stream/);
  t.equal(res.headers['x-seed'], '12');
  const events = parseSse(res.payload);
  t.same(
    events.map((e) => (e.event === 'step' || e.event === 'preview' ? `${e.event}:${e.data.step}` : e.event)),
    ['queued', 'step:1', 'step:2', 'preview:2', 'step:3', 'step:4', 'preview:4', 'step:5', 'step:6', 'done'],
  );
  t.same(events[0]!.data, { type: 'queued', position: 0 });
  t.same(events[1]!.data, { type: 'step', step: 1, steps: 6 });
  t.ok(events.every((e) => e.data.type === e.event), 'each data names its event in type');
  for (const preview of events.filter((e) => e.event === 'preview')) {
    const png = await decodePng(Buffer.from(preview.data.image as string, 'base64'));
    t.same([png.width, png.height], [32, 32]);
    t.match(preview.data, { width: 32, height: 32, steps: 6 });
  }
  const done = events.at(-1)!.data;
  t.match(done, { class: 'fox', seed: 12, mediaType: 'image/png', width: 32, height: 32, timings: { queueMs: Number, sampleMs: Number } });
  t.ok((done.uncertainty as { heatmap: string }).heatmap.length > 0, 'uncertainty in the done event');
  const direct = await generate(app, body);
  t.same(Buffer.from(done.data as string, 'base64'), direct.rawPayload, 'byte-identical to POST /generate');
});

t.test('errors: invalid bodies before the stream are JSON; engine failures become an error event', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const bad = await app.inject({ method: 'POST', url: '/generate/stream', payload: { class: 'fox', previewEvery: 0 } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'INVALID_REQUEST', message: /body\/previewEvery must be >= 1/ });
  const notAcceptable = await app.inject({ method: 'POST', url: '/generate/stream', payload: { class: 'fox' }, headers: { accept: 'application/json, text/event-stream;q=0' } });
  t.equal(notAcceptable.statusCode, 406);
  t.match(notAcceptable.json(), { code: 'NOT_ACCEPTABLE', message: /does not allow text\/event-stream/ });
  const accepted = await app.inject({ method: 'POST', url: '/generate/stream', payload: { class: 'fox', steps: 1 }, headers: { accept: 'text/event-stream' } });
  t.equal(accepted.statusCode, 200);
  const failing = await readyApp(
    { modelDir: TINY_DIR },
    {
      startEngine: async () => ({
        providers: { step: 'cpu', decode: 'cpu' },
        pending: 0,
        generate: () => Promise.reject(Object.assign(new Error('secret internals'), { statusCode: 500, code: 'GENERATION_FAILED' })),
        encode: () => Promise.reject(new Error('unused')),
        close: async () => undefined,
      }),
    },
  );
  t.teardown(() => failing.close());
  const res = await failing.inject({ method: 'POST', url: '/generate/stream', payload: { class: 'fox' } });
  t.equal(res.statusCode, 200, 'the stream had opened');
  const events = parseSse(res.payload);
  t.same(events.map((e) => e.event), ['error']);
  t.match(events[0]!.data, { statusCode: 500, code: 'GENERATION_FAILED', message: /failed to generate/ });
  t.notMatch(res.payload, /secret internals/, '5xx text stays hidden');
});

t.test('closing the stream cancels the sample: it leaves the batch', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/generate/stream', headers: { 'content-type': 'application/json' } });
  req.on('error', () => undefined);
  let received = '';
  const gotSteps = new Promise<void>((resolve) => {
    req.on('response', (res) => {
      res.on('error', () => undefined);
      res.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if ((received.match(/event: step/g) ?? []).length >= 3) resolve();
      });
    });
  });
  req.end(JSON.stringify({ class: 0, steps: 1000, seed: 1, previewEvery: 50 }));
  await gotSteps;
  req.destroy();
  await until(async () => (await metricValue(app, 'purrception_samples_total', { outcome: 'cancelled' })) === 1, 'the server counts the sample cancelled');
  t.ok((await metricValue(app, 'purrception_step_runs_total')) < 1000, 'it stopped well before its 1000 steps');
  t.match(received, /event: queued\ndata: \{"type":"queued","position":0\}/);
  await leftTheBatch(t, app);
});
