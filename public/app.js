// The playground: a form over POST /generate/stream (server-sent events read from fetch, since
// EventSource cannot POST), a progress bar from `step` events, previews when asked for (each is one
// more decode, so they are off by default), the final image and its uncertainty map, and the
// equivalent curl command. With a model that has an encoder: an input image (chosen or dropped), its
// strength, a mask painted over it with the mouse, and the tokenizer's reconstruction (POST /encode).
// No framework, no build step.
/* global document, location, fetch, Option, TextDecoderStream, AbortController, navigator, FileReader, Image */
const $ = (id) => document.getElementById(id);
const form = $('controls');
/** Whether the model refuses a request field (GET /models: tau without a posterior, sampler for dfm, ...). */
const refuses = (field) => model.refusedFields.includes(field);

/** Every served model (GET /models), and the one the form is set up for. */
let models = [];
let model;
let running;
/** The input image as a data: URL (sent as is: the server takes data: URLs), and whether a mask is painted. */
let input;
let painted = false;

function headers() {
  const key = $('apiKey').value.trim();
  return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

/** The request body from the form: only what the user set, as the API names it. */
function body() {
  const tau = Number($('tau').value);
  const request = {
    model: model.name,
    class: $('class').value,
    ...(refuses('tau') ? {} : { tau: $('schedule').checked ? { start: tau, end: Number($('tauEnd').value) } : tau }),
    cfg: Number($('cfg').value),
    steps: Number($('steps').value),
    seed: Number($('seed').value),
    ...(refuses('sampler') ? {} : { sampler: $('sampler').value, grid: $('grid').value === 'tuned' ? model.defaults.grid : $('grid').value }),
    guidance: { from: Number($('guidanceFrom').value), to: Number($('guidanceTo').value) },
  };
  if (input) {
    request.strength = Number($('strength').value);
    request.image = input;
    if (painted) request.mask = $('mask').toDataURL('image/png');
  }
  return request;
}

function curlCommand(request) {
  const auth = $('apiKey').value.trim() ? ` \\\n  -H "authorization: Bearer $PURRCEPTION_API_KEY"` : '';
  // Images come from files beside the command (input.png, and mask.png from the link under the input).
  const { image, mask, ...fields } = request;
  const files = (image ? [['image', 'input.png']] : []).concat(mask ? [['mask', 'mask.png']] : []);
  const data = JSON.stringify(fields).slice(0, -1) + files.map(([field, file]) => `,"${field}":"'"$(base64 -w0 ${file})"'"`).join('') + '}';
  return `curl -s -X POST ${location.origin}/generate -H 'content-type: application/json'${auth} \\\n  -d '${data}' -o image.png`;
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
    $('model').textContent = res.status === 401 ? 'Enter an API key to load the models.' : 'The models are not available.';
    return;
  }
  const list = await res.json();
  models = list.models;
  $('modelPicker').replaceChildren(...models.map((m) => new Option(m.name, m.name)));
  $('modelPicker').value = list.default;
  $('modelPicker').closest('label').hidden = models.length < 2; // one model: nothing to pick
  selectModel(list.default);
}

/** Sets the form up for a model: its classes and its defaults. */
function selectModel(name) {
  model = models.find((m) => m.name === name);
  $('model').textContent = `${model.name}: ${model.description} (${model.image.width}×${model.image.height}, ${model.num_classes} classes)`;
  $('class').replaceChildren(...model.labels.map((label) => new Option(label, label)));
  $('tau').value = model.defaults.tau ?? 1;
  $('tauEnd').value = model.defaults.tau ?? 1;
  $('tauControls').hidden = refuses('tau');
  $('uncertaintyPanel').hidden = refuses('uncertainty');
  for (const field of ['sampler', 'grid', 'previews']) $(field).closest('label').hidden = refuses(field === 'previews' ? 'previewEvery' : field);
  $('cfg').value = model.defaults.cfg;
  $('steps').value = model.defaults.steps;
  $('sampler').value = model.defaults.sampler ?? 'euler';
  const tuned = Array.isArray(model.defaults.grid); // knots measured for this model (docs/samplers.md)
  $('tunedGrid').hidden = $('tunedGrid').disabled = !tuned;
  $('grid').value = tuned ? 'tuned' : (model.defaults.grid ?? 'uniform');
  $('guidanceFrom').value = model.defaults.guidance?.from ?? 0;
  $('guidanceTo').value = model.defaults.guidance?.to ?? 1;
  if ($('seed').value === '') $('seed').value = Math.floor(Math.random() * 2 ** 32);
  $('imageControls').hidden = !model.imageInput;
  $('imagePanels').hidden = !model.imageInput;
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
    const previews = $('previews').checked && !refuses('previewEvery') ? { previewEvery: Math.max(1, Math.round(steps / 8)) } : {};
    const res = await fetch('/generate/stream', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ ...request, ...(refuses('uncertainty') ? {} : { uncertainty: true }), ...previews }),
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
        if (data.uncertainty) {
          show('uncertainty', `data:image/png;base64,${data.uncertainty.heatmap}`);
          $('entropy').textContent = `mean ${data.uncertainty.mean.toFixed(3)}, max ${data.uncertainty.max.toFixed(3)} nats`;
        }
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

// ---- Image input: choose or drop, paint the mask, encode preview --------------------------------

function setImageControls(enabled) {
  for (const id of ['strength', 'brush', 'clearMask', 'removeImage', 'encode']) $(id).disabled = !enabled;
}

function clearMask() {
  const canvas = $('mask');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  painted = false;
  $('maskLink').hidden = true;
  updateCurl();
}

/** Shows the image; the mask canvas takes its aspect ratio (at most 512 px a side), as the API requires. */
function loadImage(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const picture = new Image();
    picture.onload = () => {
      input = reader.result;
      const scale = Math.min(1, 512 / Math.max(picture.naturalWidth, picture.naturalHeight));
      const canvas = $('mask');
      canvas.width = Math.max(1, Math.round(picture.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(picture.naturalHeight * scale));
      const wide = picture.naturalWidth >= picture.naturalHeight;
      $('stack').style.width = `${wide ? 256 : (256 * picture.naturalWidth) / picture.naturalHeight}px`;
      $('stack').style.height = `${wide ? (256 * picture.naturalHeight) / picture.naturalWidth : 256}px`;
      $('inputImage').src = input;
      $('stack').hidden = false;
      $('dropHint').hidden = true;
      $('reconstruction').hidden = true;
      $('encodeInfo').textContent = '';
      setImageControls(true);
      clearMask();
      document.body.dataset.image = 'loaded';
    };
    picture.onerror = () => setStatus('That file is not an image this browser can show', true);
    picture.src = reader.result;
  };
  reader.readAsDataURL(file);
}

function removeImage() {
  input = undefined;
  $('imageFile').value = '';
  $('stack').hidden = true;
  $('dropHint').hidden = false;
  $('reconstruction').hidden = true;
  $('encodeInfo').textContent = '';
  setImageControls(false);
  clearMask();
  delete document.body.dataset.image;
}

/** Brush strokes: white, opaque, round; the brush size is in screen pixels. */
function paintMask() {
  const canvas = $('mask');
  const context = canvas.getContext('2d');
  let last;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  const stroke = (event) => {
    const [x, y] = point(event);
    const box = canvas.getBoundingClientRect();
    context.strokeStyle = '#ffffff';
    context.lineCap = 'round';
    context.lineWidth = Math.max(1, (Number($('brush').value) * canvas.width) / box.width);
    context.beginPath();
    context.moveTo(...(last ?? [x, y]));
    context.lineTo(x, y);
    context.stroke();
    last = [x, y];
    painted = true;
  };
  const end = () => {
    if (last === undefined) return;
    last = undefined;
    $('maskLink').href = canvas.toDataURL('image/png');
    $('maskLink').hidden = false;
    updateCurl();
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    stroke(event);
  });
  canvas.addEventListener('pointermove', (event) => last !== undefined && stroke(event));
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

async function encodePreview() {
  if (!input) return;
  $('encode').disabled = true;
  try {
    const res = await fetch('/encode', { method: 'POST', headers: headers(), body: JSON.stringify({ model: model.name, image: input }) });
    const answer = await res.json();
    if (!res.ok) throw new Error(answer.message);
    show('reconstruction', `data:image/png;base64,${answer.reconstruction}`);
    const psnr = answer.psnr === null ? 'exact' : `PSNR ${answer.psnr.toFixed(1)} dB`;
    $('encodeInfo').textContent = `(${psnr}, ${answer.usage.distinct} of ${answer.usage.codebookSize} codes)`;
    document.body.dataset.encoded = 'true';
  } catch (err) {
    setStatus(err.message, true);
  } finally {
    $('encode').disabled = !input;
  }
}

$('imageFile').addEventListener('change', () => loadImage($('imageFile').files[0]));
$('drop').addEventListener('dragover', (event) => {
  event.preventDefault();
  $('drop').classList.add('over');
});
$('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (event) => {
  event.preventDefault();
  $('drop').classList.remove('over');
  loadImage(event.dataTransfer.files[0]);
});
$('strength').addEventListener('input', () => ($('strengthValue').textContent = Number($('strength').value).toFixed(2)));
$('clearMask').addEventListener('click', clearMask);
$('removeImage').addEventListener('click', removeImage);
$('encode').addEventListener('click', encodePreview);
paintMask();

$('schedule').addEventListener('change', () => {
  $('tauEnd').disabled = !$('schedule').checked;
  updateCurl();
});
$('shuffle').addEventListener('click', () => {
  $('seed').value = Math.floor(Math.random() * 2 ** 32);
  updateCurl();
});
$('modelPicker').addEventListener('change', () => selectModel($('modelPicker').value));
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
