// The results page: polls the job's JSON answers and redraws. Charts are Apache ECharts'.
'use strict';
const POLL_MILLIS = 2000, TOP_SERIES = 5, TOP_BARS = 20;
const state = { job: null, docs: [], sort: null, asc: false, filter: '', measure: null };
const chart = echarts.init(document.getElementById('chart'));
const $ = (sel) => document.querySelector(sel);

const isDate = (v) => v !== null && typeof v === 'object' && '$date' in v;
const dateText = (v) => new Date(v.$date).toISOString().replace('T', ' ').slice(0, 19); // UTC, to the second
const text = (v) => v === undefined || v === null ? '' : isDate(v) ? dateText(v)
  : typeof v === 'object' ? JSON.stringify(v) : String(v);
const number = (n) => n === undefined || n === null ? '–' : Number(n).toLocaleString('en');

/** A document as flat columns: window.start / window.end instead of the nested window. */
function flatten(d) {
  const row = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'window' && v && typeof v === 'object' && !isDate(v)) {
      for (const [wk, wv] of Object.entries(v)) row['window.' + wk] = wv;
    } else row[k] = v;
  }
  return row;
}
const windowed = () => state.job && state.job.kind === 'windowed';
const groupOf = (row) => state.job.groupColumns.filter((c) => c in row).map((c) => text(row[c])).join(' / ') || 'all';
const measures = (rows) => {
  const names = new Set();
  rows.forEach((r) => Object.entries(r).forEach(([k, v]) => {
    if (typeof v === 'number' && k !== '_events' && !state.job.groupColumns.includes(k)) names.add(k);
  }));
  return [...names];
};

async function getJson(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(await r.text());
  return r.json();
}

function drawHealth(h) {
  document.querySelectorAll('[data-counter]').forEach((el) => { el.textContent = number(h[el.dataset.counter]); });
  $('#rejected-by-reason').textContent = Object.entries(h.rejectedByReason || {}).map(([r, n]) => `${r} ${n}`).join(', ');
  $('#watermarks tbody').innerHTML = Object.entries(h.partitions || {}).map(([p, w]) =>
    `<tr data-partition="${p}"><td>${p}</td><td>${dateText({ $date: w.newestEventTime })}</td>` +
    `<td>${dateText({ $date: w.watermark })}</td><td class="num">${lag(w.lagMillis)}</td></tr>`).join('');
}
const lag = (ms) => ms < 120000 ? `${Math.round(ms / 1000)} s` : ms < 7200000 ? `${Math.round(ms / 60000)} min`
  : ms < 172800000 ? `${Math.round(ms / 3600000)} h` : `${Math.round(ms / 86400000)} days`;

function drawTable() {
  const rows = state.docs.filter((r) => !state.filter || groupOf(r).toLowerCase().includes(state.filter));
  const columns = [];
  // _id is shown only where the query chose it as a group column (a nested file's _id: item id).
  const shown = (k) => k !== '_id' || state.job.groupColumns.includes('_id');
  state.docs.forEach((r) => Object.keys(r).forEach((k) => { if (shown(k) && !columns.includes(k)) columns.push(k); }));
  columns.sort((a, b) => rank(a) - rank(b));
  if (!state.sort || !columns.includes(state.sort)) { state.sort = windowed() ? 'window.start' : state.measure; state.asc = false; }
  const key = (r) => { const v = r[state.sort]; return isDate(v) ? v.$date : v; };
  rows.sort((a, b) => { const x = key(a), y = key(b); const c = x < y ? -1 : x > y ? 1 : 0; return state.asc ? c : -c; });
  $('#documents thead').innerHTML = '<tr>' + columns.map((c) =>
    `<th data-column="${c}" class="${c === state.sort ? 'sorted' + (state.asc ? ' asc' : '') : ''}">${c}</th>`).join('') + '</tr>';
  $('#documents tbody').innerHTML = rows.map((r) => `<tr data-id="${escape(text(r._id))}">` + columns.map((c) =>
    `<td class="${typeof r[c] === 'number' ? 'num' : ''}" data-column="${c}">${escape(text(r[c]))}</td>`).join('') + '</tr>').join('');
  $('#document-count').textContent = `${rows.length} of ${state.docs.length}`;
}
const rank = (c) => c.startsWith('window.') ? 0 : state.job.groupColumns.includes(c) ? 1 : c === '_events' ? 3 : 2;
const escape = (s) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);

function drawChart() {
  const m = state.measure;
  if (!m) return;
  if (windowed()) {
    const starts = [...new Set(state.docs.map((r) => text(r['window.start'])))].sort();
    const byGroup = new Map();
    state.docs.forEach((r) => {
      const g = groupOf(r);
      if (!byGroup.has(g)) byGroup.set(g, { total: 0, values: new Map() });
      const s = byGroup.get(g);
      s.total += r[m] || 0;
      s.values.set(text(r['window.start']), r[m]);
    });
    const top = [...byGroup.entries()].sort((a, b) => b[1].total - a[1].total).slice(0, TOP_SERIES);
    $('#chart-title').textContent = `${m} per window, top ${top.length} groups`;
    chart.setOption({ tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { top: 40, left: 50, right: 20, bottom: 30 },
      xAxis: { type: 'category', data: starts.map((s) => s.slice(5, 16)) }, yAxis: { type: 'value' }, animation: false,
      series: top.map(([g, s]) => ({ name: g, type: 'line', connectNulls: false,
        data: starts.map((w) => (s.values.has(w) ? s.values.get(w) : null)) })) }, true);
  } else {
    const top = [...state.docs].sort((a, b) => (b[m] || 0) - (a[m] || 0)).slice(0, TOP_BARS);
    $('#chart-title').textContent = `${m}, top ${top.length} groups now`;
    chart.setOption({ tooltip: {}, grid: { top: 20, left: 50, right: 20, bottom: 60 }, animation: false,
      xAxis: { type: 'category', data: top.map(groupOf), axisLabel: { rotate: 30 } }, yAxis: { type: 'value' },
      series: [{ type: 'bar', data: top.map((r) => r[m]) }] }, true);
  }
}

function drawRejects(list) {
  $('#rejects tbody').innerHTML = list.map((r) => `<tr data-offset="${r.partition}/${r.offset}">` +
    [text(r.rejected_at), r.reason, r.partition, r.offset, r.detail, r.raw].map((v) => `<td>${escape(text(v))}</td>`).join('') + '</tr>').join('');
}

async function poll() {
  try {
    const [health, docs, rejects, totals] = await Promise.all([getJson('/api/health'), getJson('/api/documents'),
      getJson('/api/rejects'), getJson('/api/totals')]);
    document.querySelectorAll('[data-total]').forEach((el) => { el.textContent = number(totals[el.dataset.total]); });
    state.docs = docs.map(flatten);
    const names = measures(state.docs);
    if (!names.includes(state.measure)) state.measure = names[0] || null;
    $('#measure').innerHTML = names.map((n) => `<option${n === state.measure ? ' selected' : ''}>${n}</option>`).join('');
    drawHealth(health); drawTable(); drawChart(); drawRejects(rejects);
    $('#status').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
    $('#status').className = 'status ok';
  } catch (e) {
    $('#status').textContent = 'not updating: ' + e.message;
    $('#status').className = 'status stale';
  }
  setTimeout(poll, POLL_MILLIS);
}

$('#documents thead').addEventListener('click', (e) => {
  const c = e.target.dataset.column;
  if (!c) return;
  state.asc = state.sort === c ? !state.asc : false;
  state.sort = c;
  drawTable();
});
$('#filter').addEventListener('input', (e) => { state.filter = e.target.value.toLowerCase(); drawTable(); });
$('#measure').addEventListener('change', (e) => { state.measure = e.target.value; drawChart(); });
window.addEventListener('resize', () => chart.resize());

getJson('/api/job').then((job) => {
  state.job = job;
  $('#sql-file').textContent = job.sqlFile.split('/').pop();
  $('#target').textContent = job.target;
  $('#runner').textContent = job.runner;
  // A nested file's documents are the latest snapshot's second query: their _events sum the
  // AGGREGATED rows each aggregates (docs/semantics.md, "Never backwards"), not the events read.
  if (job.kind === 'nested') $('#events-label').textContent = 'events behind the latest snapshot in';
  poll();
});
