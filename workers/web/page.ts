import { CONSOLE_MESSAGES } from './console-i18n'

/**
 * The console's page (the `web` adapter's face): Ask for everyone signed in; the escalation queue
 * for admins. Served by the Worker when WEB_CONSOLE=on (what `npm start` sets), to a signed-in user
 * (workers/web/auth.ts); its script is `/console.js` (workers/web/console-app.ts), and every change
 * it sends carries the session's CSRF token. The words are workers/web/console-i18n.ts, English or
 * Chinese by the browser's language.
 */
const messages = JSON.stringify(CONSOLE_MESSAGES).replace(/</g, '\\u003c')

const STYLE = `
:root{--fg:#1d1d1f;--muted:#57606a;--line:#d0d7de;--accent:#0b57d0;--bg:#fff;--soft:#f6f8fa;--danger:#b42318}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.7rem 1.2rem;border-bottom:1px solid var(--line)}
header .brand{font-weight:700;font-size:1.15rem;margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;margin:0;padding:0}
nav a{white-space:nowrap;color:var(--accent);text-decoration:none;padding:.3rem .1rem;border-bottom:2px solid transparent}
nav a[aria-current=page]{border-bottom-color:var(--accent);font-weight:600}
.badge:not(:empty){background:var(--danger);color:#fff;border-radius:1rem;padding:0 .45rem;font-size:.8rem}
.who{margin-left:auto;color:var(--muted);font-size:.9rem}
.tagline{color:var(--muted);font-size:.9rem;margin:0;width:100%}
main{max-width:64rem;margin:0 auto;padding:1rem 1.2rem 6rem}
main:focus{outline:none}
.muted,.meta{color:var(--muted);font-size:.92rem}
.conversation{border-top:1px solid var(--line);margin-top:1rem}
.conv-title{font-size:.85rem;color:var(--muted);font-weight:500;margin:.6rem 0}
.turn{margin:1rem 0 1.4rem}
.turn .q{font-weight:600;background:var(--soft);border-radius:.6rem;padding:.5rem .8rem;margin:0 0 .5rem;white-space:pre-wrap}
.md p{margin:.35rem 0}.md blockquote{margin:.5rem 0;padding-left:.8rem;border-left:3px solid var(--line);color:#333}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid var(--line);padding:.25rem .55rem;text-align:left;vertical-align:top}
.md h3,.md h4,.md h5,.md h6{margin:.7rem 0 .3rem;font-size:1rem}
pre{background:var(--soft);padding:.6rem;overflow-x:auto}
.cite{font-size:.8rem;vertical-align:super;text-decoration:none}
.sources{margin:.4rem 0}.sources-title{font-size:.9rem;margin:.4rem 0 .2rem;color:var(--muted)}
.sources ol{margin:0;padding-left:1.4rem;font-size:.92rem}
.linklike{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;cursor:pointer;font:inherit;text-align:left}
button{font:inherit;padding:.45rem .9rem;border-radius:.4rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary,.actions .vote,.actions .ask-human{background:#fff;color:var(--accent)}
button.danger{background:var(--danger);border-color:var(--danger)}
button[aria-pressed=true]{background:#e8f0fe}
button:focus-visible,a:focus-visible,textarea:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
form.ask{position:fixed;left:0;right:0;bottom:0;background:var(--bg);border-top:1px solid var(--line);display:flex;gap:.5rem;padding:.7rem max(1.2rem,calc((100% - 64rem)/2 + 1.2rem))}
form.ask textarea{flex:1;resize:vertical;min-height:2.6rem;padding:.5rem;font:inherit}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.6rem 0}
select,input[type=text]{font:inherit;padding:.35rem}
.split{display:grid;grid-template-columns:minmax(14rem,1fr) 2.2fr;gap:1.2rem}
.queue{list-style:none;margin:0;padding:0;border-right:1px solid var(--line)}
.queue-item{display:block;width:100%;text-align:left;background:#fff;color:var(--fg);border:0;border-bottom:1px solid var(--line);border-radius:0;padding:.6rem}
.queue-item[aria-current=true]{background:#e8f0fe;box-shadow:inset 3px 0 var(--accent)}
.queue-q{display:block;font-weight:600}
.esc-q{font-size:1.15rem;margin:.2rem 0}
.reason{background:#fff8e1;border-left:3px solid #f59e0b;padding:.4rem .6rem}
textarea.draft{width:100%;min-height:14rem;font:15px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:.6rem}
.preview{border:1px dashed var(--line);padding:.5rem .8rem;min-height:3rem}
fieldset{border:1px solid var(--line);border-radius:.4rem;margin:.8rem 0}
.pick{margin:.25rem 0}
.reject-box{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.reject-box input{flex:1;min-width:12rem}
.error{color:var(--danger)}
.drop{border:2px dashed var(--line);border-radius:.6rem;padding:1rem;display:flex;flex-direction:column;gap:.5rem}
.drop.over{border-color:var(--accent);background:#e8f0fe}
.upload-results{list-style:none;padding:0}.upload-results li{margin:.3rem 0}.upload-results li.ok{color:#1a7f37}.upload-results li.error{color:var(--danger)}
table.list{width:100%;font-size:.92rem}
.approved{border-bottom:1px solid var(--line);padding:.6rem 0 1rem}
.withdrawn{color:var(--danger)}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.6rem;margin:1rem 0}
.kpi{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .7rem}.kpi dt{color:var(--muted);font-size:.85rem}.kpi dd{margin:0;font-size:1.35rem;font-weight:600}
.figure{margin:1rem 0}.figure figcaption{font-weight:600;margin-bottom:.3rem}.chart{width:100%;height:auto;max-height:16rem}
.legend{font-size:.85rem;color:var(--muted)}.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.15rem;vertical-align:middle}
.definitions{margin-top:2rem;font-size:.92rem}
.edit-form{display:flex;flex-direction:column;gap:.4rem;max-width:40rem}
dialog{max-width:40rem;border:1px solid var(--line);border-radius:.6rem}
dialog::backdrop{background:rgba(0,0,0,.35)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:700px){.split{grid-template-columns:1fr}.queue{border-right:0}.who{margin-left:0;width:100%}form.ask{flex-wrap:wrap}form.ask textarea{width:100%;flex-basis:100%}}
`

export const WEB_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policybot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
<script type="application/json" id="messages">${messages}</script>
<script src="/console.js" defer></script>
</head><body>
<header>
<p class="brand">policybot</p>
<nav id="nav"></nav>
<p class="who" id="who"></p>
<label id="lang-label" for="lang">Language</label>
<select id="lang"><option value="en">English</option><option value="zh">中文</option></select>
<p class="tagline" id="tagline"></p>
</header>
<main id="main" tabindex="-1"></main>
<div id="live" class="visually-hidden" aria-live="polite"></div>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body">
<h2 id="confirm-title"></h2><p id="confirm-body"></p>
<div class="actions"><button type="button" id="confirm-send"></button><button type="button" class="secondary" id="confirm-cancel"></button></div>
</dialog>
<dialog id="stored" aria-labelledby="stored-title">
<h2 id="stored-title"></h2><div id="stored-body"></div>
<div class="actions"><button type="button" id="stored-close"></button></div>
</dialog>
</body></html>`
