// barge dashboard, in the browser: throughput charts (uPlot) fed by the coordinator's samples,
// polled once a second, and live numbers from the API's server-sent events (EventSource; the
// session cookie authenticates it). Plain script, no build step.
(function () {
  'use strict';
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  var CHART_HEIGHT = 220;
  var POINTS_KEPT = 3600;

  function fmtBytes(n) {
    var v = n, i = 0;
    while (v >= 1024 && i < UNITS.length - 1) { v /= 1024; i++; }
    return i === 0 ? Math.round(n) + ' B' : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0) + ' ' + UNITS[i];
  }
  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    if (!isFinite(seconds) || seconds < 0) return '--';
    if (seconds < 10) return seconds.toFixed(1) + 's';
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var pad = function (x) { return (x < 10 ? '0' : '') + x; };
    return h > 0 ? h + 'h' + pad(m) + 'm' : m > 0 ? m + 'm' + pad(r) + 's' : r + 's';
  }
  function fmtPercent(done, of) {
    return of <= 0 ? '–' : Math.min(100, Math.floor((done / of) * 1000) / 10) + '%';
  }

  function chart(el) {
    var url = el.getAttribute('data-samples');
    var data = [[], []];
    var last = 0;
    var width = function () { return Math.max(300, el.clientWidth - 16); };
    var plot = new uPlot({
      width: width(), height: CHART_HEIGHT,
      scales: { x: { time: true } },
      series: [{}, { label: 'rate', stroke: '#1f5fbf', fill: 'rgba(31,95,191,0.12)', width: 2,
        value: function (_u, v) { return v === null || v === undefined ? '–' : fmtBytes(v) + '/s'; } }],
      axes: [{}, { size: 90, values: function (_u, vals) { return vals.map(function (v) { return fmtBytes(v) + '/s'; }); } }],
    }, data, el);
    function poll() {
      fetch(url + '?after=' + last, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) {
          if (body.items.length === 0) return;
          body.items.forEach(function (s) { data[0].push(s.t / 1000); data[1].push(s.rate); last = s.t; });
          if (data[0].length > POINTS_KEPT) { data[0].splice(0, data[0].length - POINTS_KEPT); data[1].splice(0, data[1].length - POINTS_KEPT); }
          plot.setData(data);
          var end = body.items[body.items.length - 1];
          el.setAttribute('data-points', String(data[0].length));
          el.setAttribute('data-last-bytes', String(end.bytes));
          el.setAttribute('data-last-rate', String(end.rate));
        })
        .catch(function () { /* the coordinator is away for a moment: the next poll asks again */ })
        .finally(function () { setTimeout(poll, 1000); });
    }
    poll();
    window.addEventListener('resize', function () { plot.setSize({ width: width(), height: CHART_HEIGHT }); });
  }

  function setField(row, field, text, value) {
    var el = row.querySelector('[data-field="' + field + '"]');
    if (!el) return;
    el.textContent = text;
    if (value !== undefined) el.setAttribute('data-value', String(value));
  }

  function update(row, v) {
    var stateEl = row.querySelector('[data-field="state"]');
    var changed = stateEl !== null && stateEl.textContent !== v.state;
    if (stateEl) { stateEl.textContent = v.state; stateEl.className = 'state state-' + v.state; }
    var f = v.files;
    var byBytes = v.bytes.toCopy > 0;
    setField(row, 'percent', byBytes ? fmtPercent(v.bytes.copied, v.bytes.toCopy) : fmtPercent(f.copied + f.upToDate + f.failed, f.found));
    setField(row, 'files', f.copied + ' / ' + f.upToDate + ' / ' + f.failed + ' / ' + f.found);
    setField(row, 'bytes', fmtBytes(v.bytes.copied) + ' of ' + fmtBytes(v.bytes.toCopy), v.bytes.copied);
    setField(row, 'rate', fmtBytes(v.rate) + '/s', v.rate);
    setField(row, 'eta', fmtDuration(v.etaSeconds));
    setField(row, 'priority', String(v.priority));
    // the detail page's buttons follow the state (htmx fetches the ones it allows now)
    if (changed && row.classList.contains('numbers') && window.htmx) window.htmx.trigger(document.body, 'request-state-changed');
  }

  function live() {
    var es = new EventSource('/api/events');
    es.addEventListener('request', function (ev) {
      var v = JSON.parse(ev.data);
      document.querySelectorAll('[data-request-id]').forEach(function (row) {
        if (row.getAttribute('data-request-id') === v.id) update(row, v);
      });
    });
    // leaving the page closes the stream: no reconnect attempt is logged as an error
    window.addEventListener('pagehide', function () { es.close(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.chart[data-samples]').forEach(chart);
    if (document.body.getAttribute('data-role')) live();
  });
})();
