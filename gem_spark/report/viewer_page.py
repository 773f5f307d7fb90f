"""viewer.html: the sampled trajectories as one self-contained page (no network, works from file://).

The data travels as JSON inside `<script type="application/json">` with `<`, `>` and `&` escaped, so no
text from the corpus or a model can close that element; the page's own script builds every node with
`textContent`, never parses data as HTML. A Content-Security-Policy allows only that script (by hash),
inline styles and nothing else: no other script runs and no request leaves the page.

Filters (path, outcome, domain, task) live in the URL hash (`viewer.html#path=teacher&outcome=judge_r1_failed`),
which is how the report's tables link to matching samples.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any
from urllib.parse import quote, urlencode

VIEWER = "viewer.html"
FILTERS = ("path", "outcome", "domain", "task")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #212121; }
.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: 0.8rem; color: #555; }
details.sample { border: 1px solid #cfd8dc; border-radius: 6px; margin: 0.4rem 0; }
details.sample > summary { cursor: pointer; padding: 0.4rem 0.6rem; display: flex; gap: 0.8rem; flex-wrap: wrap; }
details.sample[open] > summary { background: #eceff1; }
.body { padding: 0.6rem; }
.outcome { font-weight: 600; }
.outcome.accepted { color: #2e7d32; } .outcome.rejected { color: #c62828; }
.msg { border-left: 4px solid #b0bec5; margin: 0.4rem 0; padding: 0.2rem 0.6rem; }
.msg .role { font-size: 0.75rem; text-transform: uppercase; color: #607d8b; }
.role-system { border-color: #9e9e9e; background: #fafafa; } .role-user { border-color: #1e88e5; }
.role-assistant { border-color: #43a047; } .role-tool { border-color: #fb8c00; background: #fff8e1; }
.text, pre { white-space: pre-wrap; word-break: break-word; margin: 0.2rem 0; }
pre { background: #f5f5f5; padding: 0.4rem; font-size: 0.8rem; max-height: 24rem; overflow: auto; }
.tool-call { border: 1px dashed #43a047; padding: 0.2rem 0.5rem; margin: 0.3rem 0; }
.tool-call .name { font-family: monospace; font-weight: 600; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.3rem 0; }
th, td { border: 1px solid #bdbdbd; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
h3 { font-size: 1rem; margin: 0.8rem 0 0.3rem; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; }
.source { position: sticky; top: 0; align-self: start; }
.source pre { max-height: 80vh; }
"""

_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('viewer-data').textContent);
  var FILTERS = ['path', 'outcome', 'domain', 'task'];
  var list = document.getElementById('samples');
  var shown = document.getElementById('shown');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pretty(value) {
    if (typeof value === 'string') { try { value = JSON.parse(value); } catch (e) { return value; } }
    return JSON.stringify(value, null, 2);
  }
  function table(header, rows) {
    var t = el('table'), head = el('tr');
    header.forEach(function (h) { head.appendChild(el('th', '', h)); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (c) { tr.appendChild(el('td', '', c === null || c === undefined ? '–' : c)); });
      t.appendChild(tr);
    });
    return t;
  }
  function message(m) {
    var box = el('div', 'msg role-' + m.role);
    box.appendChild(el('div', 'role', m.role + (m.tool_call_id ? ' → ' + m.tool_call_id : '')));
    if (m.content) box.appendChild(el('div', 'text', m.content));
    (m.tool_calls || []).forEach(function (c) {
      var call = el('div', 'tool-call');
      call.appendChild(el('span', 'name', c.name));
      call.appendChild(el('span', 'call-id', ' (' + c.id + ')'));
      call.appendChild(el('pre', 'arguments', pretty(c.arguments)));
      box.appendChild(call);
    });
    return box;
  }
  function render(sample, body) {
    var t = sample.trajectory;
    var calls = 0, names = {};
    if (t) t.messages.forEach(function (m) {
      (m.tool_calls || []).forEach(function (c) { calls += 1; names[c.name] = 1; });
    });
    body.appendChild(el('h3', '', 'Stats'));
    body.appendChild(table(['messages', 'tool calls', 'distinct tools', 'tools defined'],
      [t ? [t.messages.length, calls, Object.keys(names).length, t.tools.length] : ['–', '–', '–', '–']]));
    body.appendChild(el('h3', '', 'Stage rows'));
    body.appendChild(table(['stage', 'status', 'reason', 'R1', 'R2', 'R3', 'rule reasons', 'detail'],
      sample.stages.map(function (s) {
        var sc = s.scores || {};
        return [s.stage, s.status, s.reason, sc.r1, sc.r2, sc.r3, (s.rule_reasons || []).join(', '),
                s.detail || s.error || ''];
      })));
    sample.stages.forEach(function (s) {
      if (s.raw_output) {
        body.appendChild(el('h3', '', 'Raw output of ' + s.stage));
        body.appendChild(el('pre', 'raw-output', s.raw_output));
      }
    });
    var columns = el('div', 'columns'), left = el('div'), right = el('div', 'source');
    columns.appendChild(left);
    columns.appendChild(right);
    body.appendChild(columns);
    if (t) {
      left.appendChild(el('h3', '', 'Conversation'));
      var conv = el('div', 'conversation');
      t.messages.forEach(function (m) { conv.appendChild(message(m)); });
      left.appendChild(conv);
      left.appendChild(el('h3', '', 'Tools (' + t.tools.length + ')'));
      t.tools.forEach(function (tool) {
        var d = el('details', 'tool');
        d.appendChild(el('summary', 'name', tool['function'].name + ' — ' + (tool['function'].description || '')));
        d.appendChild(el('pre', '', pretty(tool['function'].parameters)));
        left.appendChild(d);
      });
    }
    right.appendChild(el('h3', '', 'Source segment' + (sample.segment_truncated ? ' (cut)' : '')));
    if (sample.url) right.appendChild(el('div', 'url', sample.url));
    right.appendChild(el('pre', 'segment', sample.segment === null || sample.segment === undefined
      ? '(segment not found)' : sample.segment));
  }
  function card(sample) {
    var d = el('details', 'sample');
    d.setAttribute('data-id', sample.id);
    FILTERS.forEach(function (f) { d.setAttribute('data-' + f, sample[f] || ''); });
    var s = el('summary');
    s.appendChild(el('span', 'id', sample.id));
    s.appendChild(el('span', '', sample.path));
    s.appendChild(el('span', 'outcome ' + (sample.outcome === 'accepted' ? 'accepted' : 'rejected'), sample.outcome));
    s.appendChild(el('span', '', [sample.domain, sample.task].filter(Boolean).join(' · ')));
    d.appendChild(s);
    var body = el('div', 'body');
    d.appendChild(body);
    d.addEventListener('toggle', function () {
      if (d.open && !body.hasChildNodes()) render(sample, body);
    });
    return d;
  }
  var selects = {};
  FILTERS.forEach(function (f) {
    var select = document.getElementById('filter-' + f);
    var values = {};
    data.samples.forEach(function (s) { if (s[f]) values[s[f]] = 1; });
    select.appendChild(el('option', '', 'all')).value = '';
    Object.keys(values).sort().forEach(function (v) { select.appendChild(el('option', '', v)).value = v; });
    select.addEventListener('change', function () { apply(); writeHash(); });
    selects[f] = select;
  });
  var cards = data.samples.map(function (s) { var c = card(s); list.appendChild(c); return c; });

  function apply() {
    var n = 0;
    cards.forEach(function (c) {
      var ok = FILTERS.every(function (f) { return !selects[f].value || c.getAttribute('data-' + f) === selects[f].value; });
      c.hidden = !ok;
      if (ok) n += 1;
    });
    shown.textContent = n + ' of ' + cards.length + ' sampled trajectories shown';
  }
  function writeHash() {
    var parts = FILTERS.filter(function (f) { return selects[f].value; }).map(function (f) {
      return f + '=' + encodeURIComponent(selects[f].value);
    });
    history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname);
  }
  function readHash() {
    var wanted = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (p) {
      var i = p.indexOf('=');
      if (i > 0) wanted[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
    });
    FILTERS.forEach(function (f) {
      var v = wanted[f] || '';
      var known = Array.prototype.some.call(selects[f].options, function (o) { return o.value === v; });
      selects[f].value = known ? v : '';
    });
    apply();
  }
  window.addEventListener('hashchange', readHash);
  readHash();
  document.body.setAttribute('data-ready', cards.length);
})();
"""

# Only this script may run; no fetch, image, frame or font may load.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


def embed_json(value: Any) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` survives to close it or open a comment."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def viewer_link(**filters: str) -> str:
    """Relative link from index.html to the viewer with these filters set."""
    chosen = {name: value for name, value in filters.items() if value}
    return f"{VIEWER}#{urlencode(chosen, quote_via=quote)}" if chosen else VIEWER


def viewer_html(title: str, intro: str, samples: list[dict[str, Any]]) -> str:
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    filters = "".join(
        f'<label>{name}<select id="filter-{name}"></select></label>' for name in FILTERS
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP.format(digest=digest)}">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p>{html.escape(intro)} <a href="index.html">Back to the report</a>.</p>'
        f'<div class="filters">{filters}<span id="shown"></span></div><div id="samples"></div>'
        f'<script type="application/json" id="viewer-data">{embed_json({"samples": samples})}</script>'
        f"<script>{_SCRIPT}</script></body></html>"
    )
