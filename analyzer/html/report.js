// The HTML report's page: reads the embedded data once, draws the
// overview, keeps a virtual table (only the rows in view are in the DOM),
// and draws a connection's ladder when it is opened. The ladder's measures
// are analyzer/picture/geometry.hpp's, so this picture is the SVG one.
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('tfe-data').textContent);
  const V = D.v, C = D.c;
  // A connection's fields, as analyzer/html/connection_data.hpp lists them.
  const ID = 0, CL = 1, SV = 2, HK = 3, CK = 4, INI = 5, FC = 6, FS = 7, T0 = 8, DUR = 9, PK = 10, BY = 11, RI = 12, AN = 13, LAD = 14;
  const G = { W: 820, CX: 210, SX: 610, FX: 40, TOP: 64, LH: 30, AF: 10, AT: 22, TB: 20 };
  const ROW = 26;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
  const byId = new Map();
  C.forEach((c, i) => byId.set(c[ID], i));
  let narratives = null;
  let start0 = Infinity, end0 = -Infinity;
  for (const c of C) { start0 = Math.min(start0, c[T0]); end0 = Math.max(end0, c[T0] + c[DUR]); }
  if (!C.length) { start0 = 0; end0 = 1; }

  const S = { hk: '', ck: '', st: '', q: '', id: null, abs: !!D.abs, all: false, sort: 0, dir: 1, unfold: false };
  let view = [];          // indices into C, filtered and sorted
  let haystack = null;    // lower-case text per connection, made on the first text search

  // ---- words ---------------------------------------------------------------
  const hkName = (c) => V.hk[c[HK]][0], ckName = (c) => V.ck[c[CK]][0];
  const anomalies = (c) => c[AN].map(([k, n]) => n + ' ' + V.an[k][0]).join(', ');
  const utc = (s) => new Date((s + D.t0) * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');
  const ms = (s) => (s * 1000).toFixed(3);

  // ---- the address: filters and the open connection --------------------------
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
    S.hk = p.get('handshake') || ''; S.ck = p.get('close') || ''; S.st = p.get('state') || ''; S.q = p.get('q') || '';
    S.id = p.has('id') ? Number(p.get('id')) : null;
    if (p.has('abs')) S.abs = p.get('abs') === '1';
    S.all = p.get('all') === '1';
    S.unfold = p.get('unfold') === '1';
    document.body.classList.toggle('detail-only', p.get('detail') === '1');
    if (p.has('sort')) S.sort = Number(p.get('sort')) || 0;
    if (p.has('dir')) S.dir = p.get('dir') === '-1' ? -1 : 1;
  }
  function writeHash() {
    const p = new URLSearchParams();
    if (S.hk) p.set('handshake', S.hk); if (S.ck) p.set('close', S.ck); if (S.st) p.set('state', S.st);
    if (S.q) p.set('q', S.q); if (S.id !== null) p.set('id', S.id); if (S.abs !== !!D.abs) p.set('abs', S.abs ? '1' : '0');
    if (S.all) p.set('all', '1'); if (S.unfold) p.set('unfold', '1'); if (S.sort) p.set('sort', S.sort); if (S.dir < 0) p.set('dir', '-1');
    history.replaceState(null, '', '#' + p.toString());
  }

  // ---- the table -------------------------------------------------------------
  const COLUMNS = [
    ['#', (c) => c[ID], (c) => c[ID], true],
    ['Client', (c) => c[CL], (c) => esc(c[CL]) + (c[RI] ? ' <span title="roles inferred: no SYN seen">?</span>' : '')],
    ['Server', (c) => c[SV], (c) => esc(c[SV])],
    ['Opening', hkName, (c) => esc(hkName(c))],
    ['Closing', ckName, (c) => esc(ckName(c))],
    ['First to close', (c) => V.ini[c[INI]], (c) => esc(V.ini[c[INI]])],
    ['Client ends', (c) => V.st[c[FC]], (c) => '<span class="st">' + V.st[c[FC]] + '</span>'],
    ['Server ends', (c) => V.st[c[FS]], (c) => '<span class="st">' + V.st[c[FS]] + '</span>'],
    ['Start (s)', (c) => c[T0], (c) => '<span title="' + utc(c[T0]) + '">' + (c[T0] - start0).toFixed(6) + '</span>', true],
    ['Duration (ms)', (c) => c[DUR], (c) => ms(c[DUR]), true],
    ['Packets', (c) => c[PK], (c) => c[PK], true],
    ['Bytes', (c) => c[BY], (c) => c[BY], true],
    ['Anomalies', (c) => c[AN].length, (c) => '<span class="an">' + esc(anomalies(c)) + '</span>'],
  ];

  function matches(i) {
    const c = C[i];
    if (S.hk && hkName(c) !== S.hk) return false;
    if (S.ck && ckName(c) !== S.ck) return false;
    if (S.st && V.st[c[FC]] !== S.st && V.st[c[FS]] !== S.st) return false;
    if (S.q) {
      if (!haystack) haystack = C.map((x) => ('#' + x[ID] + ' ' + x[CL] + ' ' + x[SV] + ' ' + hkName(x) + ' ' + ckName(x) + ' ' +
        V.st[x[FC]] + ' ' + V.st[x[FS]] + ' ' + anomalies(x)).toLowerCase());
      if (!haystack[i].includes(S.q.toLowerCase())) return false;
    }
    return true;
  }

  function refilter() {
    view = [];
    for (let i = 0; i < C.length; i++) if (matches(i)) view.push(i);
    const key = COLUMNS[S.sort][1], keys = new Array(C.length);
    for (const i of view) keys[i] = key(C[i]);
    view.sort((a, b) => { const x = keys[a], y = keys[b]; return (x < y ? -1 : x > y ? 1 : C[a][ID] - C[b][ID]) * S.dir; });
    const st = $('status');
    st.dataset.shown = view.length; st.dataset.total = C.length;
    st.textContent = 'Showing ' + view.length.toLocaleString('en') + ' of ' + C.length.toLocaleString('en') + ' connections' +
      (S.all ? ' (all rows drawn)' : '') + '.';
    renderHead();
    $('scroller').scrollTop = 0;
    renderRows();
    markCharts();
    writeHash();
  }

  function renderHead() {
    $('head').innerHTML = COLUMNS.map((col, k) =>
      '<th scope="col"' + (k === S.sort ? ' aria-sort="' + (S.dir > 0 ? 'ascending' : 'descending') + '"' : '') +
      '><button type="button" data-col="' + k + '">' + col[0] + '</button></th>').join('');
  }

  function rowHtml(i) {
    const c = C[i];
    return '<tr class="conn' + (c[ID] === S.id ? ' sel' : '') + '" data-id="' + c[ID] + '" tabindex="0">' +
      COLUMNS.map((col) => '<td' + (col[3] ? ' class="num"' : '') + '>' + col[2](c) + '</td>').join('') + '</tr>';
  }

  function renderRows() {
    const scroller = $('scroller');
    let first = 0, last = view.length;
    if (!S.all) {
      const top = scroller.scrollTop, h = scroller.clientHeight || 600;
      first = Math.max(0, Math.floor(top / ROW) - 20);
      last = Math.min(view.length, Math.ceil((top + h) / ROW) + 20);
    }
    const spacer = (n) => n ? '<tr class="spacer" aria-hidden="true"><td colspan="' + COLUMNS.length + '" style="height:' + n * ROW + 'px"></td></tr>' : '';
    const html = [spacer(first)];
    for (let k = first; k < last; k++) html.push(rowHtml(view[k]));
    html.push(spacer(view.length - last));
    $('rows').innerHTML = html.join('');
  }

  // ---- the overview ------------------------------------------------------------
  function counts(f, n) { const a = new Array(n).fill(0); for (const c of C) a[f(c)]++; return a; }
  // Close kinds in the timeline's colours; other counts in one colour.
  function chart(title, names, values, filter) {
    const colour = (k) => filter === 'ck' ? 'var(--k' + (k % 7) + ')' : 'var(--accent)';
    const max = Math.max(1, ...values);
    const bars = names.map((name, k) => values[k] ? '<button type="button" class="bar" data-filter="' + filter + '" data-value="' + esc(name) +
      '" title="show only: ' + esc(name) + '"><span>' + esc(name) + '</span><span class="fill" style="width:' + (100 * values[k] / max).toFixed(1) +
      '%;background:' + colour(k) + '"></span><span class="n">' + values[k].toLocaleString('en') + '</span></button>' : '').join('');
    return '<div class="chart" role="group" aria-label="' + esc(title) + '"><h3>' + esc(title) + '</h3>' + bars + '</div>';
  }
  function renderCharts() {
    const st = V.st;
    $('charts').innerHTML =
      chart('Opening (handshake)', V.hk.map((k) => k[0]), counts((c) => c[HK], V.hk.length), 'hk') +
      chart('Closing', V.ck.map((k) => k[0]), counts((c) => c[CK], V.ck.length), 'ck') +
      chart('Client ends in', st, counts((c) => c[FC], st.length), 'st') +
      chart('Server ends in', st, counts((c) => c[FS], st.length), 'st');
    $('legend').innerHTML = V.ck.map((k, i) => '<span><i style="background:var(--k' + (i % 7) + ')"></i>' + esc(k[0]) + '</span>').join('');
  }
  function markCharts() {
    for (const b of document.querySelectorAll('.bar')) b.classList.toggle('on', S[b.dataset.filter] === b.dataset.value);
  }

  // ---- the timeline ------------------------------------------------------------
  const T = { v0: start0, v1: end0 };
  // Each connection's lane: its rank by id (ids follow first packets), so
  // that connections reported late (at the end of the capture) stay in place.
  const lane = new Array(C.length);
  C.map((c, i) => i).sort((a, b) => C[a][ID] - C[b][ID]).forEach((i, rank) => { lane[i] = rank; });
  const laneIndex = lane.slice();
  lane.forEach((rank, i) => { laneIndex[rank] = i; });
  function drawTimeline() {
    const cv = $('timeline'), w = cv.clientWidth || 800, h = cv.clientHeight || 160;
    cv.width = w * devicePixelRatio; cv.height = h * devicePixelRatio;
    const g = cv.getContext('2d');
    g.scale(devicePixelRatio, devicePixelRatio);
    const css = getComputedStyle(document.documentElement);
    const colours = V.ck.map((_, i) => css.getPropertyValue('--k' + (i % 7)).trim());
    const span = Math.max(T.v1 - T.v0, 1e-9), n = Math.max(C.length, 1);
    for (let i = 0; i < C.length; i++) {
      const c = C[i], x0 = (c[T0] - T.v0) / span * w, x1 = (c[T0] + c[DUR] - T.v0) / span * w;
      if (x1 < 0 || x0 > w) continue;
      g.fillStyle = colours[c[CK]];
      g.fillRect(x0, 2 + lane[i] * (h - 4) / n, Math.max(1, x1 - x0), Math.max(1, (h - 4) / n));
    }
    if (S.id !== null && byId.has(S.id)) {
      const i = byId.get(S.id), c = C[i];
      g.strokeStyle = css.getPropertyValue('--fg');
      g.strokeRect((c[T0] - T.v0) / span * w - 2, lane[i] * (h - 4) / n, Math.max(4, c[DUR] / span * w + 4), 5);
    }
    $('zoom-range').textContent = (T.v0 - start0).toFixed(3) + ' s – ' + (T.v1 - start0).toFixed(3) + ' s';
  }
  function zoom(factor, at) {
    const mid = at === undefined ? (T.v0 + T.v1) / 2 : at;
    const full = Math.max(end0 - start0, 1e-9);
    let span = Math.min(full, Math.max((T.v1 - T.v0) * factor, 1e-6));
    T.v0 = Math.max(start0, mid - (mid - T.v0) / (T.v1 - T.v0) * span); T.v1 = T.v0 + span;
    if (T.v1 > end0) { T.v1 = end0; T.v0 = end0 - span; }
    drawTimeline();
  }
  function timelineEvents() {
    const cv = $('timeline');
    const timeAt = (x) => T.v0 + x / cv.clientWidth * (T.v1 - T.v0);
    cv.addEventListener('wheel', (e) => { e.preventDefault(); zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.offsetX)); }, { passive: false });
    let drag = null;
    cv.addEventListener('mousedown', (e) => { drag = { x: e.clientX, v0: T.v0, moved: false }; });
    window.addEventListener('mouseup', (e) => {
      if (drag && !drag.moved) pickFromTimeline(timeAt(e.offsetX), e.offsetY, cv.clientHeight);
      drag = null;
    });
    window.addEventListener('mousemove', (e) => {
      if (!drag) return;
      const dt = (e.clientX - drag.x) / cv.clientWidth * (T.v1 - T.v0);
      if (Math.abs(e.clientX - drag.x) > 3) drag.moved = true;
      const span = T.v1 - T.v0;
      T.v0 = Math.min(Math.max(start0, drag.v0 - dt), end0 - span); T.v1 = T.v0 + span;
      drawTimeline();
    });
    $('zoom-in').onclick = () => zoom(0.5); $('zoom-out').onclick = () => zoom(2);
    $('zoom-reset').onclick = () => { T.v0 = start0; T.v1 = end0; drawTimeline(); };
  }
  function pickFromTimeline(t, y, h) {
    const n = C.length, centre = Math.round((y - 2) * n / Math.max(h - 4, 1));
    const slack = (T.v1 - T.v0) * 0.01;
    for (let d = 0; d < 50; d++)
      for (const r of [centre - d, centre + d]) {
        const i = laneIndex[r];
        if (r >= 0 && r < n && C[i][T0] - slack <= t && t <= C[i][T0] + C[i][DUR] + slack) { open(C[i][ID], true); return; }
      }
  }

  // ---- a connection: narrative and ladder ----------------------------------------
  const Y = (line) => G.TOP + line * G.LH;
  const text = (x, y, cls, anchor, s, extra) => '<text x="' + x + '" y="' + y + '" class="' + cls + '" text-anchor="' + anchor + '"' + (extra || '') + '>' + esc(s) + '</text>';
  function seqText(c, v, side) { return S.abs ? ((v + c[LAD].b[side]) >>> 0) : v; }
  function arrowLabel(c, a) {
    const [, , , snd, kind, flags, seq, ack, len, , tags = []] = a;
    if (kind === 2) return '(segment not kept)';
    let s = kind === 0 ? '[' + flags + '] seq ' + seqText(c, seq, snd) : '(' + (tags.length ? V.an[tags[0]][2] : '?') + ') seq ' + seqText(c, seq, snd);
    if (ack >= 0) s += ' ack ' + seqText(c, ack, 1 - snd);
    if (kind === 0 && len) s += ' len ' + len;
    return s;
  }
  function arrowSvg(c, a) {
    const [frame, line, arrives, snd, kind, flags, , , , crossed = 0, tags = []] = a;
    const label = arrowLabel(c, a), side = ['client', 'server'];
    const cls = 'arrow' + (kind === 0 && flags.includes('R') ? ' rst' : '') + (kind !== 0 ? ' partial' : '') + (tags.length ? ' anomaly' : '') + (crossed ? ' crossed' : '');
    const title = 'packet ' + frame + ': ' + (snd >= 0 ? side[snd] + ' → ' + side[1 - snd] + ' ' : '') + label +
      tags.map((t) => '; ' + V.an[t][1]).join('') + (crossed ? '; crossed other segments in flight' : '');
    const y0 = Y(line) + G.AF, mid = (G.CX + G.SX) / 2;
    let s = '<g class="' + cls + '" data-frame="' + frame + '"><title>' + esc(title) + '</title>' + text(G.FX, y0 + 4, 'frame', 'end', frame);
    if (snd < 0) return s + text(mid, Y(line) + G.TB, 'gap', 'middle', label) + '</g>';
    const x0 = snd === 0 ? G.CX : G.SX, x1 = snd === 0 ? G.SX : G.CX, y1 = Y(arrives) + G.AT;
    const len = Math.hypot(x1 - x0, y1 - y0), ux = (x1 - x0) / len, uy = (y1 - y0) / len, bx = x1 - 9 * ux, by = y1 - 9 * uy;
    s += '<line x1="' + x0 + '" y1="' + y0 + '" x2="' + x1 + '" y2="' + y1 + '"/>';
    const pt = (x, y) => x.toFixed(1) + ',' + y.toFixed(1);
    s += '<polygon points="' + pt(x1, y1) + ' ' + pt(bx - 4 * uy, by + 4 * ux) + ' ' + pt(bx + 4 * uy, by - 4 * ux) + '"/>';
    const angle = Math.atan((y1 - y0) / (x1 - x0)) * 180 / Math.PI;
    const lx = crossed ? x0 + (x1 - x0) * 0.05 : mid, ly = y0 + (y1 - y0) * (lx - x0) / (x1 - x0) - 4;
    const anchor = !crossed ? 'middle' : snd === 0 ? 'start' : 'end';
    const rest = tags.slice(kind === 0 ? 0 : 1).map((t) => ' <tspan class="tag">⚠ ' + esc(V.an[t][2]) + '</tspan>').join('');
    s += '<text x="' + lx.toFixed(0) + '" y="' + ly.toFixed(1) + '" text-anchor="' + anchor + '" transform="rotate(' + angle.toFixed(2) + ' ' + lx.toFixed(0) + ' ' + ly.toFixed(1) + ')">' + esc(label) + rest + '</text>';
    return s + '</g>';
  }
  // The packet a state is drawn at: the arrow that leaves from its row
  // (each row's arrow leaves from its first line); none on line 0 (the
  // initial states) and on the timer line.
  function markFrame(L, line) {
    if (line === 0 || (L.t && line === L.t[0])) return 0;
    let frame = 0;
    for (const a of L.a) if (a[1] <= line) frame = a[0];
    return frame;
  }
  function markSvg(c, m) {
    const [side, st, line, note = 0] = m, L = shownLadder(c), name = V.st[st], frame = markFrame(L, line);
    const who = side === 0 ? 'client' : 'server';
    const what = line === 0 ? 'starts in ' + name : frame === 0 ? 'enters ' + name + ' when 2*MSL has passed' : 'enters ' + name + ' at packet ' + frame;
    const title = who + ' ' + what + (note ? ': ' + L.n[note - 1] : '');
    return '<g class="mark"><title>' + esc(title) + '</title>' +
      text(side === 0 ? G.CX - 10 : G.SX + 10, Y(line) + G.TB, 'state', side === 0 ? 'end' : 'start', name + (note ? ' [' + note + ']' : '')) + '</g>';
  }
  // The ladder drawn: every segment when asked for and embedded (L.u).
  function shownLadder(c) { return S.unfold && c[LAD].u ? c[LAD].u : c[LAD]; }
  function foldSvg(c, L, g, mid) {
    const title = c[LAD].u ? 'segments not drawn here: they changed no state. Click to draw every segment' :
      'segments not drawn here: they changed no state (tcpflow-explain --format svg --all-segments --id ' + c[ID] + ' CAPTURE draws them)';
    return '<g class="fold' + (c[LAD].u ? ' unfold' : '') + '"><title>' + esc(title) + '</title>' + text(mid, Y(g) + G.TB, 'gap', 'middle', L.gt) + '</g>';
  }
  function ladderSvg(c) {
    const L = shownLadder(c), notes = L.n || [], bottom = Y(L.l), height = bottom + 12 + ((L.f ? 1 : 0) + notes.length) * 18;
    const mid = (G.CX + G.SX) / 2;
    const out = ['<svg xmlns="http://www.w3.org/2000/svg" class="lad" viewBox="0 0 ' + G.W + ' ' + height + '" width="' + G.W + '" height="' + height +
      '" role="img" aria-labelledby="lad-title lad-desc"><title id="lad-title">Connection #' + c[ID] + ' ' + esc(c[CL]) + ' (client) ⇄ ' + esc(c[SV]) +
      ' (server): ladder diagram</title><desc id="lad-desc">Opening: ' + esc(V.hk[c[HK]][1]) + '; closing: ' + esc(V.ck[c[CK]][1]) +
      '. Client ends in ' + V.st[c[FC]] + ', server in ' + V.st[c[FS]] + '.</desc>'];
    out.push(text(G.CX, 22, 'head', 'middle', 'client'), text(G.CX, 38, 'addr', 'middle', c[CL]));
    out.push(text(G.SX, 22, 'head', 'middle', 'server'), text(G.SX, 38, 'addr', 'middle', c[SV]));
    for (const x of [G.CX, G.SX]) out.push('<line class="life" x1="' + x + '" y1="' + (Y(0) + 26) + '" x2="' + x + '" y2="' + bottom + '"/>');
    for (const m of L.m) out.push(markSvg(c, m));
    for (const a of L.a) out.push(arrowSvg(c, a));
    for (const g of L.g || []) out.push(foldSvg(c, L, g, mid));
    if (L.t) out.push(text(mid, Y(L.t[0]) + G.TB, 'gap', 'middle', L.t[1]));
    let y = bottom;
    if (L.f) out.push(text(10, y += 18, 'note', 'start', L.f));
    notes.forEach((n, k) => out.push(text(10, y += 16, 'note', 'start', '[' + (k + 1) + '] ' + n)));
    out.push('</svg>');
    return out.join('');
  }
  function open(id, scroll) {
    if (!byId.has(id)) return;
    S.id = id;
    const c = C[byId.get(id)];
    if (!narratives) narratives = JSON.parse(document.getElementById('tfe-narratives').textContent);
    const words = narratives[byId.get(id)];
    $('detail').hidden = false;
    $('detail-h').textContent = 'Connection #' + id + '  ' + c[CL] + ' ⇄ ' + c[SV];
    $('ladder').innerHTML = ladderSvg(c);
    $('unfold').hidden = !c[LAD].u;
    $('unfold').textContent = S.unfold ? 'Fold the segments that changed no state' : 'Draw every segment';
    $('narrative').textContent = words !== null ? words :
      'The narrative is not embedded for this connection (the page holds the first ' + D.narrated.toLocaleString('en') +
      ' narratives). tcpflow-explain --id ' + id + ' CAPTURE prints it.';
    for (const tr of document.querySelectorAll('tr.sel')) tr.classList.remove('sel');
    const tr = document.querySelector('tr[data-id="' + id + '"]');
    if (tr) tr.classList.add('sel');
    writeHash();
    drawTimeline();
    if (scroll) $('detail').scrollIntoView({ behavior: 'smooth' });
  }

  // ---- wiring ---------------------------------------------------------------------------
  function fillSelect(sel, names, value) {
    $(sel).insertAdjacentHTML('beforeend', names.map((n) => '<option>' + esc(n) + '</option>').join(''));
    $(sel).value = value;
  }
  function wire() {
    $('filters').addEventListener('change', (e) => {
      if (e.target.id === 'f-abs') { S.abs = e.target.checked; writeHash(); if (S.id !== null) open(S.id); return; }
      S.hk = $('f-handshake').value; S.ck = $('f-close').value; S.st = $('f-state').value; refilter();
    });
    let timer = 0;
    $('f-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { S.q = $('f-q').value.trim(); refilter(); }, 150); });
    $('charts').addEventListener('click', (e) => {
      const b = e.target.closest('.bar'); if (!b) return;
      const f = b.dataset.filter, v = S[f] === b.dataset.value ? '' : b.dataset.value;
      S[f] = v; $({ hk: 'f-handshake', ck: 'f-close', st: 'f-state' }[f]).value = v; refilter();
    });
    $('head').addEventListener('click', (e) => {
      const b = e.target.closest('button'); if (!b) return;
      const k = Number(b.dataset.col); S.dir = S.sort === k ? -S.dir : 1; S.sort = k; refilter();
    });
    const unfold = (on) => { S.unfold = on; writeHash(); open(S.id); };
    $('unfold').addEventListener('click', () => unfold(!S.unfold));
    $('ladder').addEventListener('click', (e) => { if (e.target.closest('.unfold')) unfold(true); });
    const pick = (e) => { const tr = e.target.closest('tr.conn'); if (tr) open(Number(tr.dataset.id), true); };
    $('rows').addEventListener('click', pick);
    $('rows').addEventListener('keydown', (e) => { if (e.key === 'Enter') pick(e); });
    let queued = false;
    $('scroller').addEventListener('scroll', () => { if (S.all || queued) return; queued = true; requestAnimationFrame(() => { queued = false; renderRows(); }); });
    window.addEventListener('resize', drawTimeline);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawTimeline);
    window.addEventListener('hashchange', () => { readHash(); syncControls(); refilter(); if (S.id !== null) open(S.id); });
    timelineEvents();
  }
  function syncControls() {
    $('f-handshake').value = S.hk; $('f-close').value = S.ck; $('f-state').value = S.st; $('f-q').value = S.q; $('f-abs').checked = S.abs;
  }
  function start() {
    readHash();
    const packets = C.reduce((n, c) => n + c[PK], 0);
    $('run').textContent = C.length.toLocaleString('en') + ' connections, ' + packets.toLocaleString('en') + ' packets, from ' +
      (C.length ? utc(start0) + ' for ' + (end0 - start0).toFixed(3) + ' s' : 'an empty capture') + '.';
    fillSelect('f-handshake', V.hk.map((k) => k[0]), S.hk);
    fillSelect('f-close', V.ck.map((k) => k[0]), S.ck);
    fillSelect('f-state', V.st, S.st);
    syncControls();
    if (D.notes.length) { $('notes').hidden = false; $('note-list').innerHTML = D.notes.map((n) => '<li>' + esc(n) + '</li>').join(''); }
    renderCharts();
    wire();
    refilter();
    drawTimeline();
    if (S.id !== null) open(S.id);
    document.body.dataset.ready = '1';
    // How long the page took to be usable, for the measurement in the test.
    document.body.dataset.loadMs = Math.round(performance.now());
  }
  start();
})();
