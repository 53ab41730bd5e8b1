// The playground: a form over POST /generate/stream (server-sent events read from fetch, since
// EventSource cannot POST), a progress bar from `step` events, previews when asked for (each is one
// more decode, so they are off by default), the final image and its uncertainty map, and the
// equivalent curl command. No framework, no build step.
/* global document, location, fetch, Option, TextDecoderStream, AbortController, navigator */
const $ = (id) => document.getElementById(id);
const form = $('controls');
let model;
let running;

function headers() {
  const key = $('apiKey').value.trim();
  return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

/** The request body from the form: only what the user set, as the API names it. */
function body() {
  const tau = Number($('tau').value);
  const request = {
    class: $('class').value,
    tau: $('schedule').checked ? { start: tau, end: Number($('tauEnd').value) } : tau,
    cfg: Number($('cfg').value),
    steps: Number($('steps').value),
    seed: Number($('seed').value),
    sampler: $('sampler').value,
  };
  return request;
}

function curlCommand(request) {
  const auth = $('apiKey').value.trim() ? ` \\\n  -H "authorization: Bearer $PURRCEPTION_API_KEY"` : '';
  return `curl -s -X POST ${location.origin}/generate -H 'content-type: application/json'${auth} \\\n  -d '${JSON.stringify(request)}' -o image.png`;
}

function updateCurl() {
  $('curl').value = curlCommand(body());
}

/** Shows an image once it has a source: an <img> without one would draw a broken-image icon. */
function show(id, src) {
  $(id).src = src;
  $(id).hidden = false;
}

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

async function loadModel() {
  const res = await fetch('/models', { headers: headers() });
  if (!res.ok) {
    const error = await res.json().catch(() => ({ message: res.statusText }));
    setStatus(error.message, true);
    $('model').textContent = res.status === 401 ? 'Enter an API key to load the model.' : 'The model is not available.';
    return;
  }
  model = await res.json();
  $('model').textContent = `${model.name}: ${model.description} (${model.image.width}×${model.image.height}, ${model.num_classes} classes)`;
  $('class').replaceChildren(...model.labels.map((label) => new Option(label, label)));
  $('tau').value = model.defaults.tau;
  $('tauEnd').value = model.defaults.tau;
  $('cfg').value = model.defaults.cfg;
  $('steps').value = model.defaults.steps;
  if ($('seed').value === '') $('seed').value = Math.floor(Math.random() * 2 ** 32);
  form.dataset.ready = 'true';
  updateCurl();
}

/** Yields {event, data} for each server-sent event of a fetch response. */
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) yield { event, data: JSON.parse(data) };
    }
  }
}

async function generate(event) {
  event.preventDefault();
  if (!model) return loadModel();
  running?.abort(); // a new request replaces the one under way (closing its stream cancels it)
  const controller = (running = new AbortController());
  const request = body();
  const steps = request.steps;
  $('generate').disabled = true;
  $('progress').value = 0;
  document.body.dataset.state = 'running';
  setStatus('Sending…');
  try {
    const previews = $('previews').checked ? { previewEvery: Math.max(1, Math.round(steps / 8)) } : {};
    const res = await fetch('/generate/stream', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ ...request, uncertainty: true, ...previews }),
      signal: controller.signal,
    });
    if (!res.ok) throw new Error((await res.json()).message);
    for await (const { event: kind, data } of events(res)) {
      if (kind === 'queued') setStatus(data.position > 0 ? `Queued: ${data.position} ahead` : 'Starting…');
      else if (kind === 'step') {
        $('progress').value = data.step / data.steps;
        setStatus(`Step ${data.step} of ${data.steps}`);
      } else if (kind === 'preview') show('result', `data:image/png;base64,${data.image}`);
      else if (kind === 'done') {
        show('result', `data:${data.mediaType};base64,${data.data}`);
        $('result').dataset.seed = String(data.seed);
        show('uncertainty', `data:image/png;base64,${data.uncertainty.heatmap}`);
        $('entropy').textContent = `mean ${data.uncertainty.mean.toFixed(3)}, max ${data.uncertainty.max.toFixed(3)} nats`;
        $('timing').textContent = `(${Math.round(data.timings.queueMs + data.timings.sampleMs)} ms)`;
        $('progress').value = 1;
        setStatus('Done');
        document.body.dataset.state = 'done';
      } else if (kind === 'error') throw new Error(data.message);
    }
  } catch (err) {
    if (err.name !== 'AbortError') setStatus(err.message, true);
  } finally {
    if (running === controller) $('generate').disabled = false;
  }
}

$('schedule').addEventListener('change', () => {
  $('tauEnd').disabled = !$('schedule').checked;
  updateCurl();
});
$('shuffle').addEventListener('click', () => {
  $('seed').value = Math.floor(Math.random() * 2 ** 32);
  updateCurl();
});
$('apiKey').addEventListener('change', () => (model ? updateCurl() : loadModel()));
$('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('curl').value);
    setStatus('Copied the curl command');
  } catch {
    $('curl').select(); // clipboard refused (no permission): leave it selected for Ctrl+C
    setStatus('Press Ctrl+C to copy');
  }
});
form.addEventListener('input', () => model && updateCurl());
form.addEventListener('submit', generate);
loadModel().catch((err) => setStatus(err.message, true));
