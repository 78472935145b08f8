/**
 * The web page (the `web` adapter's face): ask questions and see cited answers; as a policy
 * admin, approve, edit or reject escalated questions. Served by the Worker when WEB_CONSOLE=on
 * (what `npm start` sets), to a signed-in user (workers/web/auth.ts); every change it sends
 * carries the session's CSRF token.
 */
export const WEB_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policybot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
form{display:flex;gap:.5rem}input,textarea{flex:1;padding:.6rem;font:inherit}button{padding:.5rem .9rem;font:inherit;cursor:pointer}
.answer{margin:.5rem 0}.answer p{margin:.3rem 0;white-space:pre-wrap}blockquote{margin:.4rem 0;padding-left:.8rem;border-left:3px solid #cfd8e3;color:#333}table{border-collapse:collapse;margin:.3rem 0}th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}.meta{color:#666;font-size:.9rem}ol{padding-left:1.2rem}
.turn{border-left:3px solid #ddd;padding-left:1rem;margin:1.2rem 0}.q{font-weight:600}
.esc{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}h2{margin-top:2.5rem}
</style></head><body>
<h1>policybot</h1>
<p class="meta">Answers from your own handbooks, with sources. Add documents with <code>npx policybot ingest &lt;dir&gt;</code> or by DMing a file to the bot in Slack.</p>
<p class="meta" id="who"></p>
<form id="ask"><input id="q" name="q" placeholder="How many vacation days do I get?" autofocus><button id="ask-btn">Ask</button></form>
<div id="turns"></div>
<div id="team"><h2>Questions for the policy team</h2>
<p class="meta">Decide on escalated questions; the asker sees the result.</p>
<div id="escalations"><p class="meta">None open.</p></div></div>
<script>
let conversation = null;
const $ = (s, el = document) => el.querySelector(s);
const el = (tag, attrs = {}, text) => { const e = document.createElement(tag); Object.assign(e, attrs); if (text !== undefined) e.textContent = text; return e; };
// A source's url comes from its document: only what bots/links.ts safeLink allows becomes a link
// (absolute http, https or mailto, no credentials, no whitespace or control characters), the
// same rule the chat platforms apply; anything else is shown as text.
function safeHref(url) {
  if (typeof url !== 'string' || !url || url.length > 2048 || /[\\s\\p{Cc}\\p{Cf}]/u.test(url)) return null;
  let u;
  try { u = new URL(url); } catch { return null; }
  if (!['http:', 'https:', 'mailto:'].includes(u.protocol) || u.username || u.password) return null;
  if (u.protocol !== 'mailto:' && !u.hostname) return null;
  return u.href;
}
function sourceList(citations) {
  const ol = el('ol', { className: 'sources' });
  for (const c of citations) {
    const li = el('li'); li.value = c.n;
    const label = [c.title, ...c.headingPath].join(' › ');
    const href = safeHref(c.url);
    if (href) li.appendChild(el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label)); else li.appendChild(el('span', {}, label));
    li.appendChild(document.createTextNode(' (' + (c.page ? 'p. ' + c.page + ', ' : '') + 'updated ' + c.updated + ')'));
    ol.appendChild(li);
  }
  return ol;
}
// Answers are Markdown: quotes, lists and tables are built as elements, every piece of text
// through textContent (an answer quotes documents, and documents are not trusted HTML).
function markdownBlock(text) {
  const box = el('div', { className: 'answer' });
  let quote = null, list = null, table = null, header = null;
  const close = () => { list = null; table = null; header = null; };
  for (const raw of text.split('\\n')) {
    const quoted = /^>\\s?/.test(raw);
    const line = raw.replace(/^>\\s?/, '');
    if (!quoted) quote = null;
    const parent = quoted ? (quote = quote || box.appendChild(el('blockquote'))) : box;
    const row = /^\\s*\\|(.*)\\|\\s*(\\[\\d+\\])?\\s*$/.exec(line);
    if (row) {
      const cells = row[1].split('|').map((c) => c.trim());
      if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue;
      if (header && cells.join('|') === header) continue;
      if (!table || table.parentNode !== parent) { close(); table = parent.appendChild(el('table')); header = cells.join('|'); const tr = table.appendChild(el('tr')); for (const c of cells) tr.appendChild(el('th', {}, c)); continue; }
      const tr = table.appendChild(el('tr')); for (const c of cells) tr.appendChild(el('td', {}, c));
      if (row[2]) tr.lastChild.appendChild(document.createTextNode(' ' + row[2]));
      continue;
    }
    const item = /^\\s*(?:[-*]|\\d+\\.)\\s+(.*)$/.exec(line);
    if (item) { if (!list || list.parentNode !== parent) { close(); list = parent.appendChild(el('ul')); } list.appendChild(el('li', {}, item[1])); continue; }
    close();
    if (line.trim()) parent.appendChild(el('p', {}, line));
  }
  return box;
}
function renderTurn(turn, q) {
  turn.innerHTML = '';
  turn.appendChild(el('div', { className: 'q' }, q.question));
  turn.appendChild(q.answer ? markdownBlock(q.answer) : el('div', { className: 'answer' }, 'Looking…'));
  if (q.citations && q.citations.length) turn.appendChild(sourceList(q.citations));
  const meta = [q.mode ? q.mode + ' answer' : '', q.approval ? 'approved by ' + q.approval.by + ' on ' + q.approval.at.slice(0, 10) : '', q.status === 'escalated' ? 'waiting for the policy team' : '', typeof q.confidence === 'number' ? 'confidence ' + q.confidence.toFixed(2) : ''].filter(Boolean).join(' · ');
  turn.appendChild(el('p', { className: 'meta' }, meta));
  if (q.status === 'answered' && q.mode !== 'approved') {
    const b = el('button', { className: 'ask-human' }, 'Ask a human');
    b.onclick = async () => { b.disabled = true; await api('/api/questions/' + q.id + '/escalate', { method: 'POST' }); poll(turn, q.id); loadEscalations(); };
    turn.appendChild(b);
  }
}
async function poll(turn, id) {
  for (let i = 0; i < 600; i++) {
    const r = await api('/api/questions/' + id); const q = await r.json();
    renderTurn(turn, q);
    if (q.status !== 'escalated' && q.status !== 'queued') return;
    await new Promise((res) => setTimeout(res, 1000));
  }
}
$('#ask').addEventListener('submit', async (e) => {
  e.preventDefault();
  const question = $('#q').value.trim(); if (!question) return;
  const turn = el('div', { className: 'turn' }); $('#turns').prepend(turn);
  renderTurn(turn, { question, status: 'queued' });
  const res = await api('/api/ask', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, conversation }) });
  const q = await res.json();
  if (!res.ok) { turn.appendChild(el('p', { className: 'meta' }, q.error.message)); return; }
  conversation = q.conversation; $('#q').value = '';
  renderTurn(turn, q);
  if (q.status === 'escalated') { loadEscalations(); poll(turn, q.id); }
});
async function decide(id, action, body) {
  const r = await api('/api/escalations/' + id + '/' + action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
  const out = await r.json(); if (!r.ok) alert(out.error.message); loadEscalations();
}
async function loadEscalations() {
  if (!session || session.role !== 'admin') return;
  const list = await (await api('/api/escalations')).json();
  const box = $('#escalations'); box.innerHTML = '';
  if (!list.length) box.appendChild(el('p', { className: 'meta' }, 'None open.'));
  for (const e of list) {
    const d = el('div', { className: 'esc' }); d.dataset.id = e.id;
    d.appendChild(el('div', { className: 'q' }, '#' + e.id + ': ' + e.question));
    d.appendChild(el('p', { className: 'meta' }, 'asked by ' + e.asker + ' · ' + e.reason));
    const ta = el('textarea', { rows: 5, className: 'draft' }); ta.value = e.draft || ''; ta.placeholder = 'Write the answer'; d.appendChild(ta);
    if (e.citations.length) d.appendChild(sourceList(e.citations));
    const approve = el('button', { className: 'approve' }, 'Approve');
    approve.onclick = () => decide(e.id, 'approve', ta.value.trim() && ta.value.trim() !== (e.draft || '') ? { answer: ta.value.trim() } : {});
    const reject = el('button', { className: 'reject' }, 'Reject');
    reject.onclick = () => decide(e.id, 'reject', { reason: prompt('Reason (shown to the asker)?') || '' });
    d.append(approve, ' ', reject); box.appendChild(d);
  }
}
// Who is signed in, and the CSRF token every change carries (workers/web/auth.ts).
let session = null;
async function api(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (init.method && init.method !== 'GET') headers['x-csrf-token'] = session ? session.csrf : '';
  return fetch(path, { ...init, headers, credentials: 'same-origin' });
}
(async () => {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (!r.ok) {
    const out = await r.json().catch(() => ({ error: { message: 'Not signed in.' } }));
    $('#ask').replaceWith(el('p', { className: 'meta signin' }, out.error.message));
    $('#escalations').textContent = '';
    return;
  }
  session = await r.json();
  $('#who').textContent = 'Signed in as ' + session.user + ' (' + session.role + ').';
  if (session.role !== 'admin') { $('#team').remove(); return; }
  loadEscalations(); setInterval(loadEscalations, 5000);
})();
</script></body></html>`
