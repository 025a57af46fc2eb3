// trainyard dashboard: the tenant's jobs, and the live loss curve of one of them.
// Plain browser JavaScript, no build step. The API key (when auth is on) is kept in
// sessionStorage and sent only in an Authorization header: EventSource cannot send headers, so
// the event stream is read with fetch() and parsed here, and the key never appears in a URL.
'use strict';

(function main() {
  const KEY_STORAGE = 'trainyard.apiKey';
  const JOBS_REFRESH_MS = 2000;
  const RECONNECT_MS = 1500;
  const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

  const $ = (selector) => document.querySelector(selector);
  const state = {
    key: sessionStorage.getItem(KEY_STORAGE),
    jobs: [],
    selectedId: null,
    stream: null, // { abort: AbortController, jobId }
    curve: { epochs: [], loss: [], valLoss: [] },
    lastEventId: null,
    chart: null,
    logScale: false,
    jobsTimer: null,
  };

  // ---- HTTP -------------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.code = problem && problem.code;
    }
  }

  function authHeaders() {
    return state.key ? { Authorization: `Bearer ${state.key}` } : {};
  }

  async function api(path, init = {}) {
    const response = await fetch(path, {
      ...init,
      cache: 'no-store',
      headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers || {}) },
    });
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch { /* not JSON */ }
      throw new HttpError(response.status, problem);
    }
    return response.status === 204 ? null : response.json();
  }

  function onUnauthorized() {
    stopStream();
    if (state.jobsTimer) clearTimeout(state.jobsTimer);
    state.jobsTimer = null;
    const hadKey = Boolean(state.key);
    state.key = null;
    sessionStorage.removeItem(KEY_STORAGE);
    $('#main').hidden = true;
    $('#key-panel').hidden = false;
    $('#forget-key').hidden = true;
    $('#key-error').textContent = hadKey ? 'That key was not accepted.' : '';
    $('#key-input').focus();
  }

  // ---- jobs list --------------------------------------------------------------------------

  function fractionOf(job) {
    const progress = job.progress || {};
    if (typeof progress.fraction === 'number') return progress.fraction;
    return progress.epochs ? (progress.epoch || 0) / progress.epochs : 0;
  }

  function formatLoss(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    return Math.abs(value) >= 0.001 ? value.toPrecision(4) : value.toExponential(2);
  }

  function statusBadge(job) {
    const badge = document.createElement('span');
    const stalled = job.stalled === true;
    badge.className = `status ${stalled ? 'stalled' : job.status}`;
    badge.textContent = stalled ? 'stalled' : job.status;
    return badge;
  }

  function renderJobs() {
    const body = $('#jobs tbody');
    body.replaceChildren();
    for (const job of state.jobs) {
      const row = document.createElement('tr');
      row.dataset.jobId = job.id;
      row.dataset.status = job.status;
      if (job.id === state.selectedId) row.className = 'selected';
      const cell = (content, className) => {
        const td = document.createElement('td');
        if (className) td.className = className;
        if (content instanceof Node) td.append(content); else td.textContent = content;
        row.append(td);
        return td;
      };
      cell(job.name || job.id, 'name').title = job.id;
      cell(statusBadge(job), 'status-cell');
      const progress = document.createElement('progress');
      progress.max = 1;
      progress.value = fractionOf(job);
      const progressCell = cell(progress, 'progress');
      const epochs = (job.progress && job.progress.epochs) || '?';
      progressCell.append(` ${(job.progress && job.progress.epoch) || 0}/${epochs}`);
      cell(formatLoss(job.latest && job.latest.loss), 'loss');
      cell(job.createdAt ? new Date(job.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
      row.addEventListener('click', () => selectJob(job.id));
      body.append(row);
    }
    $('#jobs-empty').hidden = state.jobs.length > 0;
    renderJobDetail();
  }

  async function refreshJobs() {
    state.jobsTimer = null;
    try {
      const page = await api('/v1/jobs?limit=50');
      state.jobs = page.items || [];
      $('#jobs-error').textContent = '';
      $('#jobs-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      renderJobs();
      if (!state.selectedId) {
        const fromHash = new URLSearchParams(location.hash.slice(1)).get('job');
        const pick = (fromHash && state.jobs.find((job) => job.id === fromHash)) || state.jobs.find((job) => job.status === 'running') || state.jobs[0];
        if (pick) selectJob(pick.id);
      }
    } catch (error) {
      if (error.status === 401) return onUnauthorized();
      $('#jobs-error').textContent = `Could not load jobs: ${error.message}`;
    }
    state.jobsTimer = setTimeout(refreshJobs, JOBS_REFRESH_MS);
  }

  // ---- one job: chart and event stream ----------------------------------------------------

  function selectedJob() {
    return state.jobs.find((job) => job.id === state.selectedId) || null;
  }

  function renderJobDetail() {
    const job = selectedJob();
    if (!job) return;
    $('#job-name').textContent = job.name || job.id;
    $('#job-status').replaceWith(Object.assign(statusBadge(job), { id: 'job-status' }));
    const progress = job.progress || {};
    const parts = [`epoch ${progress.epoch || 0} of ${progress.epochs || '?'}`];
    if (typeof progress.samplesPerSecond === 'number') parts.push(`${Math.round(progress.samplesPerSecond).toLocaleString()} samples/s`);
    if (typeof progress.etaSeconds === 'number' && job.status === 'running') parts.push(`about ${Math.ceil(progress.etaSeconds)} s to go`);
    if (job.error) parts.push(`error ${job.error.code}: ${job.error.message}`);
    parts.push(`id ${job.id}`);
    $('#job-detail').textContent = parts.join(' · ');
  }

  function chartOptions(width) {
    return {
      width,
      height: 320,
      scales: { x: { time: false }, y: { distr: state.logScale ? 3 : 1 } },
      axes: [{ label: 'epoch' }, { label: state.logScale ? 'loss (log)' : 'loss', size: 60 }],
      series: [
        { label: 'epoch' },
        { label: 'training loss', stroke: '#1f77b4', width: 1.5, points: { show: false } },
        { label: 'validation loss', stroke: '#d62728', width: 1.5, points: { show: false } },
      ],
      legend: { live: true },
    };
  }

  function chartData() {
    const { epochs, loss, valLoss } = state.curve;
    if (!state.logScale) return [epochs, loss, valLoss];
    // A log axis cannot show zero or negative losses: leave those gaps.
    const positive = (values) => values.map((value) => (value > 0 ? value : null));
    return [epochs, positive(loss), positive(valLoss)];
  }

  function drawChart() {
    const container = $('#chart');
    container.dataset.points = String(state.curve.epochs.length);
    if (typeof window.uPlot !== 'function') return;
    if (!state.chart) {
      container.replaceChildren();
      state.chart = new window.uPlot(chartOptions(Math.max(320, container.clientWidth)), chartData(), container);
    } else {
      state.chart.setData(chartData());
    }
    // What uPlot actually holds: lets a test (or a curious user) check the plot, not only the stream.
    container.dataset.plotted = String(state.chart.data[0].length);
  }

  function resetChart() {
    if (state.chart) state.chart.destroy();
    state.chart = null;
    drawChart();
  }

  function addPoint(point) {
    const { epochs, loss, valLoss } = state.curve;
    if (epochs.length > 0 && point.epoch <= epochs[epochs.length - 1]) return; // never a duplicate
    epochs.push(point.epoch);
    loss.push(typeof point.loss === 'number' ? point.loss : null);
    valLoss.push(typeof point.valLoss === 'number' ? point.valLoss : null);
  }

  function stopStream() {
    if (state.stream) state.stream.abort.abort();
    state.stream = null;
  }

  function selectJob(jobId) {
    if (state.selectedId === jobId && state.stream) return;
    stopStream();
    state.selectedId = jobId;
    history.replaceState(null, '', `#job=${encodeURIComponent(jobId)}`);
    state.curve = { epochs: [], loss: [], valLoss: [] };
    state.lastEventId = null;
    $('#job-panel').hidden = false;
    renderJobs();
    resetChart();
    const stream = { abort: new AbortController(), jobId };
    state.stream = stream;
    followEvents(stream);
  }

  // Reads the job's Server-Sent Events until a terminal status, reconnecting with Last-Event-ID
  // (the last epoch received) after a dropped connection, so no point is missed or repeated.
  async function followEvents(stream) {
    let finished = false;
    let batched = false;
    const redraw = () => {
      if (batched) return;
      batched = true;
      requestAnimationFrame(() => { batched = false; if (state.stream === stream) drawChart(); });
    };
    while (!finished && state.stream === stream) {
      try {
        $('#stream-state').textContent = 'live: connecting…';
        await readEventStream(`/v1/jobs/${encodeURIComponent(stream.jobId)}/events`, stream.abort.signal, (event) => {
          if (event.id !== null && /^\d+$/.test(event.id)) state.lastEventId = event.id;
          if (event.type === 'progress') {
            addPoint(JSON.parse(event.data));
            redraw();
            $('#stream-state').textContent = `live: epoch ${state.curve.epochs[state.curve.epochs.length - 1]}`;
          } else if (event.type === 'status') {
            const status = JSON.parse(event.data);
            const job = selectedJob();
            if (job) { job.status = status.status; renderJobDetail(); }
            if (TERMINAL.has(status.status)) finished = true;
          } else if (event.type === 'heartbeat') {
            // comments and heartbeats only prove the connection is alive
          }
        });
        if (finished) $('#stream-state').textContent = `stream ended: job ${selectedJob() ? selectedJob().status : 'finished'}, ${state.curve.epochs.length} points`;
      } catch (error) {
        if (stream.abort.signal.aborted) return;
        if (error.status === 401) return onUnauthorized();
        if (error.status === 404) {
          $('#stream-state').textContent = 'This job no longer exists.';
          return;
        }
        $('#stream-state').textContent = `live: disconnected (${error.message}), reconnecting…`;
      }
      if (!finished) await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
    drawChart();
  }

  async function readEventStream(url, signal, onEvent) {
    const headers = { Accept: 'text/event-stream', ...authHeaders() };
    if (state.lastEventId !== null) headers['Last-Event-ID'] = state.lastEventId;
    const response = await fetch(url, { headers, signal, cache: 'no-store' });
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch { /* not JSON */ }
      throw new HttpError(response.status, problem);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: 'message', data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (event.data.length > 0) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
          event = { type: 'message', data: [], id: null };
          continue;
        }
        if (line.startsWith(':')) { onEvent({ type: 'heartbeat', data: '', id: null }); continue; }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.type = fieldValue;
        else if (field === 'data') event.data.push(fieldValue);
        else if (field === 'id') event.id = fieldValue;
      }
    }
  }

  // ---- buttons ----------------------------------------------------------------------------

  async function downloadSvg() {
    const job = selectedJob();
    if (!job) return;
    try {
      const response = await fetch(`/v1/jobs/${encodeURIComponent(job.id)}/loss.svg${state.logScale ? '?log=y' : ''}`, { headers: authHeaders(), cache: 'no-store' });
      if (!response.ok) throw new HttpError(response.status, null);
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: `${(job.name || job.id).replace(/[^\w.-]+/g, '_')}-loss.svg` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      if (error.status === 401) onUnauthorized();
      else $('#stream-state').textContent = `Could not download the SVG: ${error.message}`;
    }
  }

  async function submitDemo() {
    const body = {
      name: 'xor demo from the dashboard',
      model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
      loss: 'mse',
      optimizer: { type: 'adam', learningRate: 0.01 },
      // Long enough to watch the curve grow for a few seconds (the stored curve keeps ≤ 1,000 points).
      training: { epochs: 20000, batchSize: 1 },
      data: { builtin: 'xor' },
    };
    try {
      const job = await api('/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      state.selectedId = null;
      history.replaceState(null, '', `#job=${encodeURIComponent(job.id)}`);
      if (state.jobsTimer) clearTimeout(state.jobsTimer);
      await refreshJobs();
    } catch (error) {
      if (error.status === 401) onUnauthorized();
      else $('#jobs-error').textContent = `Could not submit the demo: ${error.message}`;
    }
  }

  function start() {
    $('#key-panel').hidden = true;
    $('#main').hidden = false;
    $('#forget-key').hidden = !state.key;
    if (state.jobsTimer) clearTimeout(state.jobsTimer);
    refreshJobs();
  }

  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('#key-input').value.trim();
    if (!key) return;
    state.key = key;
    sessionStorage.setItem(KEY_STORAGE, key);
    $('#key-input').value = '';
    start();
  });
  $('#forget-key').addEventListener('click', () => { state.key = null; sessionStorage.removeItem(KEY_STORAGE); onUnauthorized(); $('#key-error').textContent = ''; });
  $('#log-scale').addEventListener('change', (event) => { state.logScale = event.target.checked; resetChart(); });
  $('#download-svg').addEventListener('click', downloadSvg);
  $('#demo').addEventListener('click', submitDemo);
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.chart) state.chart.setSize({ width: Math.max(320, $('#chart').clientWidth), height: 320 }); }, 150);
  });

  // Ask the server whether keys are on, so the key form shows at once instead of after a 401.
  fetch('/dashboard/config.json', { cache: 'no-store' })
    .then((response) => (response.ok ? response.json() : { authEnabled: true }))
    .catch(() => ({ authEnabled: true }))
    .then((settings) => {
      if (settings.authEnabled && !state.key) onUnauthorized();
      else start();
    });
})();
