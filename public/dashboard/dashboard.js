// trainyard dashboard: the tenant's jobs (sortable by their hyper-parameters), the live loss and
// accuracy curves of one of them with pause / resume / fork / cancel / delete, and an overlay of
// the curves of the jobs ticked for comparison.
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
    curve: { epochs: [], loss: [], valLoss: [], accuracy: [], valAccuracy: [] },
    accChart: null,
    sort: { key: 'createdAt', dir: -1 },
    compare: new Set(),
    compareChart: null,
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
    for (const job of sortedJobs()) {
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
      const tick = Object.assign(document.createElement('input'), { type: 'checkbox', checked: state.compare.has(job.id), title: 'overlay this job in Compare' });
      tick.className = 'compare';
      tick.addEventListener('click', (event) => event.stopPropagation());
      tick.addEventListener('change', () => { if (tick.checked) state.compare.add(job.id); else state.compare.delete(job.id); drawCompare(); });
      cell(tick);
      cell(job.name || job.id, 'name').title = job.id;
      cell(statusBadge(job), 'status-cell');
      const progress = document.createElement('progress');
      progress.max = 1;
      progress.value = fractionOf(job);
      const progressCell = cell(progress, 'progress');
      const epochs = (job.progress && job.progress.epochs) || '?';
      progressCell.append(` ${(job.progress && job.progress.epoch) || 0}/${epochs}`);
      cell(formatLoss(job.latest && job.latest.loss), 'loss');
      const hyper = job.hyperparameters || {};
      cell(hyper.layers || '–', 'layers');
      cell(typeof hyper.learningRate === 'number' ? String(hyper.learningRate) : '–', 'lr num');
      cell(typeof hyper.batchSize === 'number' ? String(hyper.batchSize) : '–', 'batch num');
      cell(job.createdAt ? new Date(job.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
      row.addEventListener('click', () => selectJob(job.id));
      body.append(row);
    }
    $('#jobs-empty').hidden = state.jobs.length > 0;
    renderJobDetail();
  }

  // Sort keys: a header click sorts by its column, a second click reverses it.
  const SORT_VALUE = {
    name: (job) => (job.name || '').toLowerCase(),
    status: (job) => job.status,
    progress: (job) => fractionOf(job),
    loss: (job) => (job.latest && typeof job.latest.loss === 'number' ? job.latest.loss : Infinity),
    layers: (job) => (job.hyperparameters ? job.hyperparameters.layers.split('-').reduce((n, units, i, all) => (i === 0 ? 0 : n + Number(all[i - 1]) * Number(units)), 0) : -1),
    learningRate: (job) => (job.hyperparameters ? job.hyperparameters.learningRate : -1),
    batchSize: (job) => (job.hyperparameters ? job.hyperparameters.batchSize : -1),
    createdAt: (job) => job.createdAt || '',
  };

  function sortedJobs() {
    const value = SORT_VALUE[state.sort.key] || SORT_VALUE.createdAt;
    const rows = state.jobs.slice();
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * state.sort.dir;
    });
    for (const th of document.querySelectorAll('#jobs th[data-sort]')) {
      th.classList.toggle('sorted-asc', th.dataset.sort === state.sort.key && state.sort.dir > 0);
      th.classList.toggle('sorted-desc', th.dataset.sort === state.sort.key && state.sort.dir < 0);
    }
    return rows;
  }

  async function refreshJobs() {
    state.jobsTimer = null;
    try {
      const page = await api('/v1/jobs?limit=50');
      state.jobs = page.items || [];
      $('#jobs-error').textContent = '';
      $('#jobs-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      renderJobs();
      if (state.compare.size >= 2 && state.jobs.some((job) => state.compare.has(job.id) && !TERMINAL.has(job.status))) drawCompare();
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
    if (job.forkedFrom) parts.push(`forked from ${job.forkedFrom.jobId} at epoch ${job.forkedFrom.epoch}`);
    if (job.hyperparameters) parts.push(`${job.hyperparameters.layers}, lr ${job.hyperparameters.learningRate}, batch ${job.hyperparameters.batchSize}`);
    parts.push(`id ${job.id}`);
    $('#job-detail').textContent = parts.join(' · ');
    const finished = TERMINAL.has(job.status);
    $('#pause').disabled = !(job.status === 'queued' || job.status === 'running');
    $('#resume').disabled = job.status !== 'paused';
    $('#fork').disabled = job.status === 'queued' || job.status === 'failed';
    $('#cancel').disabled = finished;
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
    drawAccuracy();
  }

  // Accuracy and validation accuracy, shown once the loss reports them (cross-entropy losses).
  function drawAccuracy() {
    const { epochs, accuracy, valAccuracy } = state.curve;
    const has = accuracy.some((value) => value !== null) || valAccuracy.some((value) => value !== null);
    $('#acc-block').hidden = !has;
    if (!has || typeof window.uPlot !== 'function') return;
    const container = $('#acc-chart');
    if (!state.accChart) {
      container.replaceChildren();
      state.accChart = new window.uPlot({
        width: Math.max(320, $('#chart').clientWidth),
        height: 200,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'epoch' }, { label: 'accuracy', size: 60 }],
        series: [
          { label: 'epoch' },
          { label: 'training accuracy', stroke: '#2ca02c', width: 1.5, points: { show: false } },
          { label: 'validation accuracy', stroke: '#9467bd', width: 1.5, points: { show: false } },
        ],
      }, [epochs, accuracy, valAccuracy], container);
    } else {
      state.accChart.setData([epochs, accuracy, valAccuracy]);
    }
    container.dataset.plotted = String(state.accChart.data[0].length);
  }

  function resetChart() {
    if (state.chart) state.chart.destroy();
    if (state.accChart) state.accChart.destroy();
    state.chart = null;
    state.accChart = null;
    drawChart();
  }

  function addPoint(point) {
    const { epochs, loss, valLoss } = state.curve;
    if (epochs.length > 0 && point.epoch <= epochs[epochs.length - 1]) return; // never a duplicate
    epochs.push(point.epoch);
    loss.push(typeof point.loss === 'number' ? point.loss : null);
    valLoss.push(typeof point.valLoss === 'number' ? point.valLoss : null);
    state.curve.accuracy.push(typeof point.accuracy === 'number' ? point.accuracy : null);
    state.curve.valAccuracy.push(typeof point.valAccuracy === 'number' ? point.valAccuracy : null);
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
    state.curve = { epochs: [], loss: [], valLoss: [], accuracy: [], valAccuracy: [] };
    $('#fork-form').hidden = true;
    $('#action-state').textContent = '';
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

  // ---- controls: pause, resume, fork, cancel, delete --------------------------------------

  async function controlJob(action) {
    const job = selectedJob();
    if (!job) return;
    const path = `/v1/jobs/${encodeURIComponent(job.id)}`;
    if (action === 'delete' && !window.confirm(`Delete “${job.name || job.id}” with its curve, result and checkpoints?`)) return;
    try {
      $('#action-state').textContent = `${action}…`;
      if (action === 'delete') await api(path, { method: 'DELETE' });
      else await api(`${path}/${action}`, { method: 'POST' });
      $('#action-state').textContent = `${action}: done`;
      if (action === 'delete') {
        state.compare.delete(job.id);
        stopStream();
        state.selectedId = null;
        $('#job-panel').hidden = true;
        history.replaceState(null, '', '#');
      } else if (action === 'resume' && !state.stream) {
        state.selectedId = null;
        selectJob(job.id);
      }
      if (state.jobsTimer) clearTimeout(state.jobsTimer);
      await refreshJobs();
    } catch (error) {
      if (error.status === 401) return onUnauthorized();
      $('#action-state').textContent = `Could not ${action}: ${error.message}`;
    }
  }

  function openForkForm() {
    const job = selectedJob();
    if (!job) return;
    // The API's default: what remains of the source's epochs, or as many again once all ran (a completed job).
    const progress = job.progress || {};
    const remaining = (progress.epochs || 0) - (progress.epoch || 0);
    $('#fork-epochs').value = String(Math.max(1, remaining > 0 ? remaining : progress.epochs || 100));
    $('#fork-lr').value = job.hyperparameters ? String(job.hyperparameters.learningRate) : '';
    $('#fork-name').value = `${job.name || 'job'} (fork)`.slice(0, 200);
    $('#fork-form').hidden = false;
    $('#fork-epochs').focus();
  }

  async function submitFork(event) {
    event.preventDefault();
    const source = selectedJob();
    if (!source) return;
    const body = { epochs: Number($('#fork-epochs').value) };
    const learningRate = $('#fork-lr').value.trim();
    if (learningRate !== '') body.optimizer = { learningRate: Number(learningRate) };
    const name = $('#fork-name').value.trim();
    if (name !== '') body.name = name;
    try {
      const fork = await api(`/v1/jobs/${encodeURIComponent(source.id)}/fork`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      $('#fork-form').hidden = true;
      // Compare the fork with its source at once: the fork's curve starts at its fork point.
      state.compare.add(source.id);
      state.compare.add(fork.id);
      if (state.jobsTimer) clearTimeout(state.jobsTimer);
      await refreshJobs();
      selectJob(fork.id);
      drawCompare();
    } catch (error) {
      if (error.status === 401) return onUnauthorized();
      $('#action-state').textContent = `Could not fork: ${error.message}`;
    }
  }

  // ---- compare: the loss curves of the ticked jobs on one pair of axes ------------------------

  const COMPARE_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  let compareSeq = 0;

  async function drawCompare() {
    const ids = [...state.compare].filter((id) => state.jobs.some((job) => job.id === id));
    $('#compare-panel').hidden = ids.length < 2;
    const seq = ++compareSeq;
    if (ids.length < 2) return;
    try {
      const curves = await Promise.all(ids.map((id) => api(`/v1/jobs/${encodeURIComponent(id)}/metrics?since=0&maxPoints=1000`)));
      if (seq !== compareSeq) return; // a newer tick won
      // uPlot wants one x array: the union of the epochs, each job's loss where it has a point.
      const epochs = [...new Set(curves.flatMap((curve) => curve.points.map((point) => point.epoch)))].sort((a, b) => a - b);
      const series = curves.map((curve) => {
        const byEpoch = new Map(curve.points.map((point) => [point.epoch, typeof point.loss === 'number' ? point.loss : null]));
        return epochs.map((epoch) => (byEpoch.has(epoch) ? byEpoch.get(epoch) : null));
      });
      const container = $('#compare-chart');
      if (state.compareChart) state.compareChart.destroy();
      container.replaceChildren();
      if (typeof window.uPlot !== 'function') return;
      const label = (id) => { const job = state.jobs.find((j) => j.id === id); return job ? (job.name || id) : id; };
      state.compareChart = new window.uPlot({
        width: Math.max(320, container.clientWidth),
        height: 300,
        scales: { x: { time: false } },
        axes: [{ label: 'epoch' }, { label: 'training loss', size: 60 }],
        series: [{ label: 'epoch' }, ...ids.map((id, i) => ({ label: label(id), stroke: COMPARE_COLOURS[i % COMPARE_COLOURS.length], width: 1.5, spanGaps: true, points: { show: false } }))],
      }, [epochs, ...series], container);
      container.dataset.series = String(ids.length);
      $('#compare-state').textContent = `${ids.length} jobs, epochs ${epochs[0] ?? 0}–${epochs[epochs.length - 1] ?? 0}`;
    } catch (error) {
      if (error.status === 401) return onUnauthorized();
      $('#compare-state').textContent = `Could not load the curves: ${error.message}`;
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
  for (const action of ['pause', 'resume', 'cancel', 'delete']) $(`#${action}`).addEventListener('click', () => controlJob(action));
  $('#fork').addEventListener('click', openForkForm);
  $('#fork-close').addEventListener('click', () => { $('#fork-form').hidden = true; });
  $('#fork-form').addEventListener('submit', submitFork);
  for (const th of document.querySelectorAll('#jobs th[data-sort]')) {
    th.addEventListener('click', () => {
      state.sort = { key: th.dataset.sort, dir: state.sort.key === th.dataset.sort ? -state.sort.dir : 1 };
      renderJobs();
    });
  }
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
