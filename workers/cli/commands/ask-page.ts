/** The local server's one page: ask a question, see the answer with its sources. */
export const ASK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policybot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
form{display:flex;gap:.5rem}input{flex:1;padding:.6rem;font:inherit}button{padding:.6rem 1rem;font:inherit}
#answer{white-space:pre-wrap;margin-top:1.5rem}.meta{color:#666;font-size:.9rem}ol{padding-left:1.2rem}
</style></head><body>
<h1>policybot</h1><p class="meta">Answers from your own handbooks, with sources. Ingest documents with <code>npx policybot ingest &lt;dir&gt;</code>.</p>
<form id="f"><input id="q" placeholder="How many vacation days do I get?" autofocus><button>Ask</button></form>
<div id="answer"></div><ol id="sources"></ol><p class="meta" id="meta"></p>
<script>
const history = [];
document.getElementById('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = document.getElementById('q').value.trim();
  if (!q) return;
  document.getElementById('answer').textContent = 'Looking…';
  const res = await fetch('/api/ask', {method:'POST', headers:{'content-type':'application/json'}, body: JSON.stringify({question:q, history})});
  const a = await res.json();
  if (!res.ok) { document.getElementById('answer').textContent = a.error.message; return; }
  document.getElementById('answer').textContent = a.answer;
  const ol = document.getElementById('sources'); ol.innerHTML = '';
  for (const c of a.citations) { const li = document.createElement('li'); li.value = c.n;
    li.textContent = [c.title, ...c.headingPath].join(' › ') + ' — ' + (c.url || c.sourcePath) + ' (updated ' + c.updated + ')'; ol.appendChild(li); }
  document.getElementById('meta').textContent = a.mode + ' answer · confidence ' + a.confidence.toFixed(2) + (a.escalate ? ' · escalated' : '');
  history.push({role:'user', content:q}, {role:'assistant', content:a.answer});
});
</script></body></html>`
