/**
 * The console's script, served as `/console.js` (no inline script: the page's CSP allows only
 * its own origin's). Plain browser JavaScript, written without backticks or `${` so it can sit in
 * this raw string. Every piece of text from people or documents goes through `textContent`, and
 * only http(s)/mailto links become links (the rule of bots/links.ts).
 */
export const CONSOLE_JS = String.raw`
'use strict';
(function () {
  var M = JSON.parse(document.getElementById('messages').textContent);
  var stored = null;
  try { stored = localStorage.getItem('policybot.lang'); } catch (e) {}
  var lang = stored || ((navigator.language || 'en').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en');
  var session = null;
  var conversation = null;
  var polls = {};

  function t(key, vars) {
    var s = (M[lang] && M[lang][key]) || M.en[key] || key;
    if (vars) for (var k in vars) s = s.split('{' + k + '}').join(String(vars[k]));
    return s;
  }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'className') e.className = attrs[k];
      else if (k.indexOf('on') === 0) e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function safeHref(url) {
    if (typeof url !== 'string' || !url || url.length > 2048 || /[\s\p{Cc}\p{Cf}]/u.test(url)) return null;
    var u;
    try { u = new URL(url); } catch (e) { return null; }
    if (['http:', 'https:', 'mailto:'].indexOf(u.protocol) < 0 || u.username || u.password) return null;
    if (u.protocol !== 'mailto:' && !u.hostname) return null;
    return u.href;
  }
  function api(path, init) {
    init = init || {};
    var headers = Object.assign({}, init.headers || {});
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.method && init.method !== 'GET') headers['x-csrf-token'] = session ? session.csrf : '';
    return fetch(path, Object.assign({}, init, { headers: headers, credentials: 'same-origin' })).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var err = new Error((body.error && body.error.message) || ('HTTP ' + r.status)); err.status = r.status; throw err; }
        return body;
      });
    });
  }
  // Each view change bumps this; a reply that arrives for a view left since is dropped, so a
  // slow list never lands in the view that replaced it.
  var viewSeq = 0;
  function current(fn) { var seq = viewSeq; return function (x) { if (seq === viewSeq) return fn(x); }; }
  function announce(text) { var live = $('#live'); live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); }
  function ago(iso) {
    var m = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
    if (m < 120) return t('minutesAgo', { n: m });
    if (m < 48 * 60) return t('hoursAgo', { n: Math.round(m / 60) });
    return t('daysAgo', { n: Math.round(m / 1440) });
  }

  // ---- Markdown, built as elements ----
  function inline(parent, text, cite) {
    var re = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_|\x60[^\x60]+\x60|\[\d+\])/g;
    var last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var tok = m[0];
      if (tok.indexOf('**') === 0) parent.appendChild(el('strong', null, tok.slice(2, -2)));
      else if (tok.charAt(0) === '\x60') parent.appendChild(el('code', null, tok.slice(1, -1)));
      else if (tok.charAt(0) === '[') {
        var n = Number(tok.slice(1, -1));
        if (cite && cite(n)) { var a = cite(n); parent.appendChild(a); }
        else parent.appendChild(document.createTextNode(tok));
      } else parent.appendChild(el('em', null, tok.slice(1, -1)));
      last = m.index + tok.length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }
  function markdown(text, cite) {
    var box = el('div', { className: 'md' });
    var lines = String(text || '').split('\n');
    var i = 0;
    function block(container, ls) {
      var j = 0;
      while (j < ls.length) {
        var line = ls[j];
        if (!line.trim()) { j++; continue; }
        if (/^\s*\x60\x60\x60/.test(line)) {
          var code = []; j++;
          while (j < ls.length && !/^\s*\x60\x60\x60/.test(ls[j])) code.push(ls[j++]);
          j++;
          container.appendChild(el('pre')).appendChild(el('code', null, code.join('\n')));
          continue;
        }
        var h = /^(#{1,6})\s+(.*)$/.exec(line);
        if (h) { inline(container.appendChild(el('h' + Math.min(6, h[1].length + 2))), h[2], cite); j++; continue; }
        if (/^\s*>/.test(line)) {
          var q = [];
          while (j < ls.length && /^\s*>/.test(ls[j])) q.push(ls[j++].replace(/^\s*>\s?/, ''));
          block(container.appendChild(el('blockquote')), q);
          continue;
        }
        if (/^\s*\|.*\|\s*(\[\d+\])?\s*$/.test(line)) {
          var table = container.appendChild(el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('tableLabel') })).appendChild(el('table'));
          var head = true, body = null;
          while (j < ls.length && /^\s*\|.*\|\s*(\[\d+\])?\s*$/.test(ls[j])) {
            var raw = ls[j++].trim();
            var tail = /(\[\d+\])\s*$/.exec(raw);
            if (tail) raw = raw.slice(0, tail.index).trim();
            var cells = raw.slice(1, -1).split('|').map(function (c) { return c.trim(); });
            if (cells.every(function (c) { return /^:?-{2,}:?$/.test(c); })) continue;
            if (head) {
              var tr = table.appendChild(el('thead')).appendChild(el('tr'));
              cells.forEach(function (c) { inline(tr.appendChild(el('th', { scope: 'col' })), c, cite); });
              head = false; body = table.appendChild(el('tbody'));
              continue;
            }
            var row = body.appendChild(el('tr'));
            cells.forEach(function (c) { inline(row.appendChild(el('td')), c, cite); });
            if (tail) inline(row.lastChild, ' ' + tail[1], cite);
          }
          continue;
        }
        var li = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
        if (li) {
          var ordered = /\d/.test(li[1]);
          var list = container.appendChild(el(ordered ? 'ol' : 'ul'));
          while (j < ls.length) {
            var it = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(ls[j]);
            if (!it) break;
            inline(list.appendChild(el('li')), it[2], cite); j++;
          }
          continue;
        }
        var para = [];
        while (j < ls.length && ls[j].trim() && !/^(#{1,6}\s|\s*>|\s*\||\s*([-*+]|\d+[.)])\s|\s*\x60\x60\x60)/.test(ls[j])) para.push(ls[j++].trim());
        if (!para.length) { para.push(line.trim()); j++; }
        inline(container.appendChild(el('p')), para.join(' '), cite);
      }
    }
    block(box, lines);
    return box;
  }

  // ---- Sources ----
  function sourceLabel(c) { return [c.title].concat(c.headingPath || []).join(' › '); }
  function sourceList(owner, citations, idPrefix) {
    var wrap = el('div', { className: 'sources' });
    wrap.appendChild(el('h3', { className: 'sources-title' }, t('sources')));
    var ol = wrap.appendChild(el('ol'));
    citations.forEach(function (c) {
      var li = ol.appendChild(el('li', { id: idPrefix + c.n, value: c.n }));
      var href = safeHref(c.url);
      if (href) li.appendChild(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer' }, sourceLabel(c)));
      else li.appendChild(el('button', { type: 'button', className: 'linklike', onclick: function () { showStored(owner, c); } }, sourceLabel(c)));
      var meta = [c.page ? t('page', { n: c.page }) : '', c.updated ? t('updated', { date: c.updated }) : ''].filter(Boolean).join(', ');
      if (meta) li.appendChild(el('span', { className: 'muted' }, ' (' + meta + ')'));
    });
    return wrap;
  }
  function citeLinks(citations, idPrefix) {
    var by = {};
    citations.forEach(function (c) { by[c.n] = c; });
    return function (n) {
      if (!by[n]) return null;
      return el('a', { href: '#' + idPrefix + n, className: 'cite', 'aria-label': t('sources') + ' ' + n + ': ' + sourceLabel(by[n]) }, '[' + n + ']');
    };
  }
  function showStored(owner, c) {
    var dlg = $('#stored');
    var body = $('#stored-body');
    body.textContent = '';
    $('#stored-title').textContent = sourceLabel(c);
    body.appendChild(el('p', { className: 'muted' }, t('storedDocument') + (c.page ? ' · ' + t('page', { n: c.page }) : '') + ' · ' + t('updated', { date: c.updated })));
    dlg.showModal();
    api('/api/' + owner + '/sources/' + c.n).then(function (s) { body.appendChild(markdown(s.text)); })
      .catch(function (e) { body.appendChild(el('p', { role: 'alert' }, t('failed', { message: e.message }))); });
  }

  // ---- Ask ----
  function renderTurn(turn, q) {
    turn.textContent = '';
    turn.appendChild(el('p', { className: 'q' }, q.question));
    var body = turn.appendChild(el('div', { className: 'a' }));
    var prefix = 'q' + (q.id || 'new') + '-s';
    if (!q.answer) body.appendChild(el('p', { className: 'muted' }, q.status === 'escalated' ? t('waiting') : t('looking')));
    else body.appendChild(markdown(q.answer, citeLinks(q.citations || [], prefix))).classList.add('answer');
    if (q.citations && q.citations.length) body.appendChild(sourceList('questions/' + q.id, q.citations, prefix));
    var meta = [];
    if (q.approval) meta.push(t('approvedBy', { by: q.approval.by, date: q.approval.at.slice(0, 10) }));
    else if (q.mode && q.answer) meta.push(t('mode_' + q.mode));
    if (q.status === 'rejected') meta.push(t('rejected'));
    if (q.status === 'escalated' && q.answer) meta.push(t('waiting'));
    if (q.department) meta.push(t('departmentBy_' + (q.departmentBy || 'documents'), { department: q.department }));
    if (meta.length) body.appendChild(el('p', { className: 'meta' }, meta.join(' · ')));
    if (q.id && q.answer && q.status === 'answered') {
      var actions = body.appendChild(el('div', { className: 'actions', role: 'group', 'aria-label': t('feedbackQuestion') }));
      if (q.mode !== 'approved') {
        actions.appendChild(el('button', { type: 'button', className: 'ask-human', onclick: function () { confirmAskHuman(turn, q); } }, t('askHuman')));
      }
      ['up', 'down'].forEach(function (vote) {
        actions.appendChild(el('button', {
          type: 'button', className: 'vote vote-' + vote, 'aria-pressed': q.feedback === vote ? 'true' : 'false',
          onclick: function () {
            api('/api/questions/' + q.id + '/feedback', { method: 'POST', body: JSON.stringify({ helpful: vote === 'up' }) })
              .then(function () { q.feedback = vote; renderTurn(turn, q); announce(t('feedbackThanks')); })
              .catch(function (e) { announce(t('failed', { message: e.message })); });
          },
        }, vote === 'up' ? t('helpful') : t('notHelpful')));
      });
    }
  }
  function confirmAskHuman(turn, q) {
    var dlg = $('#confirm');
    $('#confirm-send').onclick = function () {
      dlg.close();
      api('/api/questions/' + q.id + '/escalate', { method: 'POST' })
        .then(function () { q.status = 'escalated'; renderTurn(turn, q); announce(t('waiting')); poll(turn, q.id); })
        .catch(function (e) { announce(t('failed', { message: e.message })); });
    };
    dlg.showModal();
    $('#confirm-cancel').focus();
  }
  function poll(turn, id) {
    if (polls[id]) return;
    polls[id] = setInterval(function () {
      api('/api/questions/' + id).then(function (q) {
        if (q.status !== 'escalated' && q.status !== 'queued') { clearInterval(polls[id]); delete polls[id]; announce(q.answer || ''); }
        renderTurn(turn, q);
      }).catch(function () {});
    }, 2000);
  }
  function conversationBox(id, date) {
    var sec = el('section', { className: 'conversation', 'data-conversation': id || '' });
    sec.appendChild(el('h2', { className: 'conv-title' }, t('conversationFrom', { date: date })));
    return $('#turns').appendChild(sec);
  }
  function addTurn(q) {
    var box = document.querySelector('.conversation[data-conversation="' + CSS.escape(q.conversation || '') + '"]') ||
      conversationBox(q.conversation, (q.askedAt || new Date().toISOString()).slice(0, 10));
    var turn = box.appendChild(el('article', { className: 'turn' }));
    renderTurn(turn, q);
    if (q.status === 'escalated' || q.status === 'queued') poll(turn, q.id);
    return turn;
  }
  function showAsk() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', { className: 'visually-hidden' }, t('navAsk')));
    main.appendChild(el('div', { id: 'turns' }));
    var form = main.appendChild(el('form', { id: 'ask', className: 'ask' }));
    form.appendChild(el('label', { for: 'q', className: 'visually-hidden' }, t('askLabel')));
    var input = form.appendChild(el('textarea', { id: 'q', name: 'q', rows: '2', placeholder: t('askPlaceholder'), required: true }));
    form.appendChild(el('button', { id: 'ask-btn', type: 'submit' }, t('askButton')));
    form.appendChild(el('button', { type: 'button', className: 'secondary', id: 'new-conv', onclick: function () { conversation = null; announce(t('newConversation')); input.focus(); } }, t('newConversation')));
    input.addEventListener('keydown', function (e) { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var question = input.value.trim();
      if (!question) return;
      var pending = { question: question, status: 'queued', conversation: conversation || 'pending' };
      var turn = addTurn(pending);
      input.value = '';
      api('/api/ask', { method: 'POST', body: JSON.stringify({ question: question, conversation: conversation }) })
        .then(function (q) {
          if (!conversation) {
            // The pending turn's section takes the new conversation's id.
            turn.parentNode.setAttribute('data-conversation', q.conversation);
          }
          conversation = q.conversation;
          renderTurn(turn, q);
          if (q.status === 'escalated') poll(turn, q.id);
          turn.scrollIntoView({ block: 'nearest' });
        })
        .catch(function (err) { turn.appendChild(el('p', { role: 'alert', className: 'error' }, t('failed', { message: err.message }))); });
    });
    api('/api/history').then(current(function (list) {
      if (!list.length) $('#turns').appendChild(el('p', { className: 'muted empty' }, t('emptyHistory')));
      list.forEach(addTurn);
      // A conversation under half an hour old goes on; an older one is history, and a new question starts afresh.
      var lastQ = list[list.length - 1];
      if (lastQ && Date.now() - Date.parse(lastQ.askedAt) < 30 * 60000) conversation = lastQ.conversation;
      var last = document.querySelector('.turn:last-of-type');
      if (last) last.scrollIntoView({ block: 'nearest' });
    })).catch(function (e) { $('#turns').appendChild(el('p', { role: 'alert' }, t('failed', { message: e.message }))); });
  }

  // ---- Escalations ----
  var escFilter = { status: 'open', platform: '' };
  var selected = null;
  function showEscalations() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', null, t('escHeading')));
    main.appendChild(el('p', { className: 'muted' }, t('escIntro')));
    var filters = main.appendChild(el('div', { className: 'filters' }));
    var st = el('select', { id: 'esc-status' });
    ['open', 'decided'].forEach(function (s) { var o = st.appendChild(el('option', { value: s }, t('status_' + s))); if (s === escFilter.status) o.selected = true; });
    var pf = el('select', { id: 'esc-platform' });
    [['', t('allPlatforms')], ['slack', 'Slack'], ['teams', 'Teams'], ['dingtalk', 'DingTalk'], ['web', 'Web']].forEach(function (p) {
      var o = pf.appendChild(el('option', { value: p[0] }, p[1])); if (p[0] === escFilter.platform) o.selected = true;
    });
    filters.appendChild(el('label', { for: 'esc-status' }, t('filterStatus'))); filters.appendChild(st);
    filters.appendChild(el('label', { for: 'esc-platform' }, t('filterPlatform'))); filters.appendChild(pf);
    st.onchange = function () { escFilter.status = st.value; selected = null; loadQueue(); };
    pf.onchange = function () { escFilter.platform = pf.value; selected = null; loadQueue(); };
    var split = main.appendChild(el('div', { className: 'split' }));
    split.appendChild(el('ul', { id: 'queue', className: 'queue', 'aria-label': t('escHeading') }));
    split.appendChild(el('section', { id: 'detail', className: 'detail', 'aria-live': 'polite' }));
    loadQueue();
  }
  function markCurrent() {
    Array.prototype.forEach.call(document.querySelectorAll('.queue-item'), function (b) { b.setAttribute('aria-current', Number(b.getAttribute('data-id')) === selected ? 'true' : 'false'); });
  }
  /** True while the admin works on the open card: a refresh would throw their edits away. */
  function busy() { var a = document.activeElement; return !!(a && a.closest && a.closest('#detail')) || dirty; }
  var dirty = false;
  function loadQueue(focusFirst) {
    var focused = document.activeElement;
    var hadFocus = focused && focused.classList && focused.classList.contains('queue-item') ? focused.getAttribute('data-id') : null;
    var q = '?status=' + escFilter.status + (escFilter.platform ? '&platform=' + escFilter.platform : '');
    api('/api/escalations' + q).then(current(function (list) {
      var ul = $('#queue');
      if (!ul) return;
      ul.textContent = '';
      if (!list.length) { ul.appendChild(el('li', { className: 'muted' }, t('noEscalations'))); $('#detail').textContent = ''; if (focusFirst) $('#main').focus(); return; }
      list.forEach(function (e) {
        var li = ul.appendChild(el('li'));
        var b = li.appendChild(el('button', {
          type: 'button', className: 'queue-item', 'data-id': e.id, 'aria-current': selected === e.id ? 'true' : 'false',
          onclick: function () { selected = e.id; markCurrent(); renderDetail(e); var h = $('#detail .esc-q'); if (h) h.focus(); },
        }));
        b.appendChild(el('span', { className: 'queue-q' }, e.question));
        b.appendChild(el('span', { className: 'muted' }, e.platform + ' · ' + ago(e.createdAt)));
      });
      var current = list.filter(function (e) { return e.id === selected; })[0] || list[0];
      selected = current.id;
      markCurrent();
      renderDetail(current);
      // A refresh keeps the keyboard where it was in the queue.
      if (hadFocus) { var again = ul.querySelector('.queue-item[data-id="' + hadFocus + '"]'); if (again) again.focus(); }
      if (focusFirst) ul.querySelector('.queue-item').focus();
    })).catch(function (e) { $('#detail').textContent = t('failed', { message: e.message }); });
  }
  function renderDetail(e) {
    var d = $('#detail');
    d.textContent = '';
    var card = d.appendChild(el('article', { className: 'esc', 'data-id': e.id }));
    dirty = false;
    card.appendChild(el('h2', { className: 'esc-q', tabindex: '-1' }, e.question));
    card.appendChild(el('p', { className: 'muted' }, t('askedBy', { asker: e.asker, platform: e.platform, age: ago(e.createdAt) })));
    card.appendChild(el('p', { className: 'reason' }, t('why') + ': ' + t('reason_' + e.reason)));
    if (e.department) card.appendChild(el('p', { className: 'muted department' }, t('departmentLine', { department: e.department, model: e.model || t('noModel') })));
    if (e.alsoAsked) card.appendChild(el('p', { className: 'also-asked' }, t('alsoAsked', { n: e.alsoAsked })));
    if (e.earlier && e.earlier.length) {
      var det = card.appendChild(el('details', { className: 'earlier' }));
      det.appendChild(el('summary', null, t('earlier')));
      e.earlier.forEach(function (turn) {
        det.appendChild(el('p', { className: 'q' }, turn.question));
        if (turn.answer) det.appendChild(markdown(turn.answer));
      });
    }
    if (e.status !== 'open') {
      card.appendChild(el('p', { className: 'decided' }, t('decided_' + e.status, { by: e.decidedBy })));
      if (e.finalAnswer) card.appendChild(markdown(e.finalAnswer));
      if (e.rejectReason) card.appendChild(el('p', null, e.rejectReason));
      return;
    }
    var form = card.appendChild(el('form', { className: 'decide' }));
    var fid = 'draft-' + e.id;
    form.appendChild(el('label', { for: fid }, t('answerLabel')));
    var ta = form.appendChild(el('textarea', { id: fid, className: 'draft', rows: '12' }));
    ta.value = e.draft || '';
    form.appendChild(el('h3', null, t('preview')));
    var preview = form.appendChild(el('div', { className: 'preview', 'aria-live': 'off' }));
    var fs = form.appendChild(el('fieldset', { className: 'pick-sources' }));
    fs.appendChild(el('legend', null, t('citedSources')));
    if (!e.citations.length) fs.appendChild(el('p', { className: 'muted' }, t('noSources')));
    e.citations.forEach(function (c) {
      var id = 'src-' + e.id + '-' + c.n;
      var row = fs.appendChild(el('div', { className: 'pick' }));
      var cb = row.appendChild(el('input', { type: 'checkbox', id: id, value: String(c.n), checked: true }));
      cb.addEventListener('change', update);
      var label = row.appendChild(el('label', { for: id }, '[' + c.n + '] ' + sourceLabel(c)));
      var href = safeHref(c.url);
      if (href) { label.appendChild(document.createTextNode(' ')); label.appendChild(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer' }, '↗')); }
    });
    function chosen() { return Array.prototype.filter.call(fs.querySelectorAll('input[type=checkbox]'), function (x) { return x.checked; }).map(function (x) { return Number(x.value); }); }
    function update() {
      preview.textContent = '';
      var keep = chosen();
      var cites = e.citations.filter(function (c) { return keep.indexOf(c.n) >= 0; });
      preview.appendChild(markdown(ta.value, citeLinks(cites, 'src-' + e.id + '-')));
      approve.textContent = ta.value.trim() !== (e.draft || '').trim() ? t('approveEdited') : t('approve');
    }
    var buttons = form.appendChild(el('div', { className: 'actions' }));
    var approve = buttons.appendChild(el('button', { type: 'submit', className: 'approve' }, t('approve')));
    var reject = buttons.appendChild(el('button', { type: 'button', className: 'reject secondary' }, t('reject')));
    var rj = form.appendChild(el('div', { className: 'reject-box', hidden: true }));
    var rid = 'reason-' + e.id;
    rj.appendChild(el('label', { for: rid }, t('rejectReason')));
    var reason = rj.appendChild(el('input', { id: rid, className: 'reject-reason', type: 'text', maxlength: '1000' }));
    var confirmReject = rj.appendChild(el('button', { type: 'button', className: 'reject-confirm danger' }, t('rejectConfirm')));
    var status = form.appendChild(el('p', { role: 'status', className: 'form-status' }));
    ta.addEventListener('input', function () { dirty = true; update(); });
    update();
    reject.onclick = function () { rj.hidden = false; reason.focus(); };
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var answer = ta.value.trim();
      if (!answer) { status.textContent = t('needsAnswer'); ta.focus(); return; }
      var body = { sources: chosen() };
      if (answer !== (e.draft || '').trim()) body.answer = answer;
      decide(e, 'approve', body, status);
    });
    confirmReject.onclick = function () { decide(e, 'reject', { reason: reason.value.trim() }, status); };
  }
  function decide(e, action, body, status) {
    api('/api/escalations/' + e.id + '/' + action, { method: 'POST', body: JSON.stringify(body) })
      .then(function (r) { announce(t('decided_' + r.status, { by: session.user })); selected = null; dirty = false; loadQueue(true); refreshCount(); })
      .catch(function (err) { status.textContent = t('failed', { message: err.message }); });
  }
  function refreshCount() {
    if (!session || session.role !== 'admin') return;
    api('/api/escalations?status=open').then(function (list) {
      var badge = $('#esc-count');
      if (badge) badge.textContent = list.length ? String(list.length) : '';
    }).catch(function () {});
  }


  // ---- Documents and sources ----
  var RANKS = { viewer: 0, uploader: 1, admin: 2 };
  function can(role) { return session && RANKS[session.role] >= RANKS[role]; }
  function span(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 120) return Math.round(seconds) + ' s';
    if (seconds < 7200) return Math.round(seconds / 60) + ' min';
    return Math.round(seconds / 3600) + ' h';
  }
  /** A table in a scrolling box that the keyboard can reach (phones scroll wide tables sideways). */
  function table(headers, label) {
    var wrap = el('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label });
    var tb = wrap.appendChild(el('table', { className: 'list' }));
    var tr = tb.appendChild(el('thead')).appendChild(el('tr'));
    headers.forEach(function (h) { tr.appendChild(el('th', { scope: 'col' }, h)); });
    return { wrap: wrap, body: tb.appendChild(el('tbody')) };
  }
  /**
   * POSTs a file as the raw body with the CSRF token, showing its progress in bar; calls
   * done(ok, body), a failure's body being { message } (the server's, or why it did not answer).
   */
  function sendFile(url, file, bar, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('x-csrf-token', session.csrf);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total); };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) {}
      var ok = xhr.status >= 200 && xhr.status < 300;
      done(ok, ok ? body : { message: (body.error && body.error.message) || ('HTTP ' + xhr.status) });
    };
    xhr.onerror = function () { done(false, { message: t('failed', { message: 'network' }) }); };
    xhr.send(file);
  }
  function uploadFile(file, row) {
    var bar = row.appendChild(el('progress', { max: '100', value: '0', 'aria-label': file.name }));
    var out = row.appendChild(el('span', { className: 'upload-result' }, ' ' + t('uploading')));
    return new Promise(function (resolve) {
      sendFile('/api/documents?name=' + encodeURIComponent(file.name), file, bar, function (ok, body) {
        bar.value = 100;
        if (ok) {
          row.classList.add('ok');
          out.textContent = ' ✓ ' + t('upload_' + body.status, { title: body.title, chunks: body.chunks, version: body.version });
        } else {
          row.classList.add('error');
          out.textContent = ' ✗ ' + body.message;
        }
        resolve();
      });
    });
  }
  function uploadAll(files) {
    var list = $('#upload-results');
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (f) {
      var row = list.appendChild(el('li', null, f.name));
      chain = chain.then(function () { return uploadFile(f, row); });
    });
    chain.then(function () { loadDocuments(); announce(t('docsCount', { n: '…' })); });
  }
  function showDocuments() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', null, t('docsHeading')));
    var drop = main.appendChild(el('div', { className: 'drop', id: 'drop' }));
    drop.appendChild(el('label', { for: 'files' }, t('uploadLabel', { mb: Math.round(session.maxUploadBytes / 1048576) })));
    var input = drop.appendChild(el('input', { type: 'file', id: 'files', multiple: true, accept: '.md,.markdown,.html,.htm,.pdf,.docx,.txt' }));
    input.addEventListener('change', function () { if (input.files.length) uploadAll(input.files); input.value = ''; });
    ['dragenter', 'dragover'].forEach(function (ev) { drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add('over'); }); });
    ['dragleave', 'drop'].forEach(function (ev) { drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove('over'); }); });
    drop.addEventListener('drop', function (e) { if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(e.dataTransfer.files); });
    main.appendChild(el('ul', { id: 'upload-results', className: 'upload-results', 'aria-live': 'polite' }));
    main.appendChild(el('h2', null, t('sourcesHeading')));
    main.appendChild(el('div', { id: 'sources' }));
    main.appendChild(el('h2', { id: 'docs-count' }));
    main.appendChild(el('div', { id: 'documents' }));
    loadDocuments();
    loadSources();
  }
  function loadDocuments() {
    api('/api/documents').then(current(function (list) {
      var box = $('#documents');
      if (!box) return;
      box.textContent = '';
      $('#docs-count').textContent = t('docsCount', { n: list.length });
      var tb = table([t('colTitle'), t('colSource'), t('colVersion'), t('colLanguage'), t('colAudience'), t('colPassages'), t('colChanged'), ''], t('docsHeading'));
      list.forEach(function (d) {
        var tr = tb.body.appendChild(el('tr', { 'data-id': d.id }));
        var title = tr.appendChild(el('td'));
        var href = safeHref(d.url);
        if (href) title.appendChild(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer' }, d.title)); else title.textContent = d.title;
        tr.appendChild(el('td', null, d.sourceKind + ': ' + d.sourcePath));
        tr.appendChild(el('td', null, d.version));
        tr.appendChild(el('td', null, d.language));
        tr.appendChild(el('td', null, d.audience.length ? d.audience.join(', ') : t('everyone')));
        tr.appendChild(el('td', null, d.chunks));
        tr.appendChild(el('td', null, d.updatedAt.slice(0, 10)));
        var act = tr.appendChild(el('td'));
        if (d.removable) act.appendChild(el('button', {
          type: 'button', className: 'secondary delete-doc', 'aria-label': t('deleteDoc') + ': ' + d.title,
          onclick: function () {
            if (!window.confirm(t('deleteConfirm', { title: d.title }))) return;
            api('/api/documents/' + d.id, { method: 'DELETE' }).then(function () { announce(t('deleted')); loadDocuments(); })
              .catch(function (e) { announce(t('failed', { message: e.message })); });
          },
        }, t('deleteDoc')));
      });
      box.appendChild(tb.wrap);
    })).catch(function (e) { $('#documents').textContent = t('failed', { message: e.message }); });
  }
  function loadSources() {
    api('/api/sources').then(current(function (list) {
      var box = $('#sources');
      if (!box) return;
      box.textContent = '';
      if (!list.length) { box.appendChild(el('p', { className: 'muted' }, t('noWikiSources'))); return; }
      var tb = table([t('colSource'), t('colPages'), t('colLastSuccess'), t('colFreshness'), t('colFailing'), t('colLastRun'), ''], t('sourcesHeading'));
      list.forEach(function (s) {
        var tr = tb.body.appendChild(el('tr', { 'data-source': s.name }));
        tr.appendChild(el('td', null, s.name + ' (' + s.kind + ')'));
        tr.appendChild(el('td', null, s.pages));
        tr.appendChild(el('td', null, s.lastSuccessAt ? ago(s.lastSuccessAt) : t('never')));
        var f = s.freshness;
        tr.appendChild(el('td', null, f ? t('freshnessValue', { median: span(f.medianSeconds), max: span(f.maxSeconds), n: f.pages }) : '—'));
        var failing = tr.appendChild(el('td', null, s.failing));
        if (s.lastRun && s.lastRun.failures.length) {
          var det = failing.appendChild(el('details'));
          det.appendChild(el('summary', null, s.lastRun.failures.length));
          s.lastRun.failures.forEach(function (x) { det.appendChild(el('p', { className: 'muted' }, (x.title || x.id) + ': ' + x.error)); });
        }
        tr.appendChild(el('td', null, s.lastRun ? s.lastRun.status + (s.lastError ? ': ' + s.lastError : '') : '—'));
        var act = tr.appendChild(el('td'));
        if (!s.syncsHere) act.appendChild(el('span', { className: 'muted' }, t('syncsFromNode', { name: s.name })));
        else if (can('admin')) act.appendChild(el('button', {
          type: 'button', className: 'secondary sync-now',
          onclick: function () {
            api('/api/sources/' + encodeURIComponent(s.name) + '/sync', { method: 'POST' })
              .then(function () { announce(t('syncQueued', { name: s.name })); })
              .catch(function (e) { announce(t('failed', { message: e.message })); });
          },
        }, t('syncNow')));
      });
      box.appendChild(tb.wrap);
    })).catch(function (e) { $('#sources').textContent = t('failed', { message: e.message }); });
  }

  // ---- Approved answers ----
  var approvedQuery = { q: '', all: false };
  function showApproved() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', null, t('approvedHeading')));
    main.appendChild(el('p', { className: 'muted' }, t('approvedIntro')));
    var bar = main.appendChild(el('div', { className: 'filters' }));
    bar.appendChild(el('label', { for: 'approved-q' }, t('search')));
    var q = bar.appendChild(el('input', { type: 'search', id: 'approved-q', value: approvedQuery.q }));
    var allBox = bar.appendChild(el('input', { type: 'checkbox', id: 'approved-all', checked: approvedQuery.all }));
    bar.appendChild(el('label', { for: 'approved-all' }, t('showAll')));
    var timer = null;
    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { approvedQuery.q = q.value; loadApproved(); }, 250); });
    allBox.addEventListener('change', function () { approvedQuery.all = allBox.checked; loadApproved(); });
    main.appendChild(el('p')).appendChild(el('a', { href: '/api/approved/export.jsonl', download: 'approved-answers.jsonl' }, t('exportLora')));
    main.appendChild(el('div', { id: 'approved' }));
    loadApproved();
  }
  function loadApproved() {
    var qs = '?state=' + (approvedQuery.all ? 'all' : 'live') + (approvedQuery.q ? '&q=' + encodeURIComponent(approvedQuery.q) : '');
    api('/api/approved' + qs).then(current(function (list) {
      var box = $('#approved');
      if (!box) return;
      box.textContent = '';
      if (!list.length) { box.appendChild(el('p', { className: 'muted' }, t('noApproved'))); return; }
      list.forEach(function (a) { box.appendChild(approvedCard(a)); });
    })).catch(function (e) { $('#approved').textContent = t('failed', { message: e.message }); });
  }
  function approvedCard(a) {
    var card = el('article', { className: 'approved', 'data-id': a.id });
    card.appendChild(el('h2', { className: 'esc-q' }, a.question));
    var prefix = 'ap' + a.id + '-s';
    var body = card.appendChild(el('div'));
    body.appendChild(markdown(a.answer, citeLinks(a.citations, prefix)));
    if (a.citations.length) card.appendChild(sourceList('approved/' + a.id, a.citations, prefix));
    card.appendChild(el('p', { className: 'muted' }, t('approvedMeta', { by: a.approvedBy, date: a.approvedAt.slice(0, 10), expires: a.expiresAt.slice(0, 10) })));
    card.appendChild(el('p', { className: 'muted reuse' }, a.reuses ? t('reused', { n: a.reuses, last: ago(a.lastReusedAt), platforms: a.reusedOn.join(', ') }) : t('notReused')));
    if (a.withdrawnAt) { card.appendChild(el('p', { className: 'withdrawn' }, t('withdrawnOn', { date: a.withdrawnAt.slice(0, 10), reason: a.withdrawnReason || '' }))); return card; }
    var actions = card.appendChild(el('div', { className: 'actions' }));
    var editBtn = actions.appendChild(el('button', { type: 'button', className: 'secondary edit-approved' }, t('edit')));
    var wdBtn = actions.appendChild(el('button', { type: 'button', className: 'secondary withdraw' }, t('withdraw')));
    var status = card.appendChild(el('p', { role: 'status', className: 'form-status' }));
    editBtn.onclick = function () {
      var form = card.appendChild(el('form', { className: 'edit-form' }));
      var tid = 'ap-text-' + a.id, did = 'ap-exp-' + a.id;
      form.appendChild(el('label', { for: tid }, t('answerLabel')));
      var ta = form.appendChild(el('textarea', { id: tid, className: 'draft', rows: '8' })); ta.value = a.answer;
      form.appendChild(el('label', { for: did }, t('expires')));
      var exp = form.appendChild(el('input', { type: 'date', id: did, value: a.expiresAt.slice(0, 10) }));
      form.appendChild(el('button', { type: 'submit' }, t('save')));
      editBtn.disabled = true;
      ta.focus();
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var patch = {};
        if (ta.value.trim() !== a.answer) patch.answer = ta.value.trim();
        if (exp.value && exp.value !== a.expiresAt.slice(0, 10)) patch.expiresAt = new Date(exp.value + 'T23:59:59Z').toISOString();
        if (!Object.keys(patch).length) { form.remove(); editBtn.disabled = false; return; }
        api('/api/approved/' + a.id, { method: 'PATCH', body: JSON.stringify(patch) })
          .then(function () { announce(t('saved')); loadApproved(); })
          .catch(function (e) { status.textContent = t('failed', { message: e.message }); });
      });
    };
    wdBtn.onclick = function () {
      var box = card.appendChild(el('div', { className: 'reject-box' }));
      var rid = 'ap-why-' + a.id;
      box.appendChild(el('label', { for: rid }, t('withdrawReason')));
      var why = box.appendChild(el('input', { type: 'text', id: rid, maxlength: '500' }));
      box.appendChild(el('button', { type: 'button', className: 'danger withdraw-confirm', onclick: function () {
        api('/api/approved/' + a.id + '/withdraw', { method: 'POST', body: JSON.stringify({ reason: why.value.trim() }) })
          .then(function () { announce(t('saved')); loadApproved(); })
          .catch(function (e) { status.textContent = t('failed', { message: e.message }); });
      } }, t('withdrawConfirm')));
      wdBtn.disabled = true;
      why.focus();
    };
    return card;
  }


  // ---- Analytics (charts drawn as SVG: no third-party script, the CSP stays 'self') ----
  var PLATFORM_COLORS = { slack: '#4a154b', teams: '#4b53bc', dingtalk: '#0089ff', web: '#1a7f37' };
  var analyticsDays = 30;
  function svg(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function pct(n, d) { return d ? Math.round((100 * n) / d) + ' %' : '—'; }
  function perDayChart(report) {
    var days = [];
    for (var d = new Date(report.from); d <= new Date(report.to); d = new Date(d.getTime() + 86400000)) days.push(d.toISOString().slice(0, 10));
    var platforms = [];
    var by = {};
    report.perDay.forEach(function (r) {
      if (platforms.indexOf(r.platform) < 0) platforms.push(r.platform);
      by[r.day] = by[r.day] || {};
      by[r.day][r.platform] = r.questions;
    });
    var max = 1;
    days.forEach(function (day) { var sum = 0; platforms.forEach(function (p) { sum += (by[day] && by[day][p]) || 0; }); max = Math.max(max, sum); });
    var W = 720, H = 220, pad = 28, bw = (W - pad) / days.length;
    var total = report.perDay.reduce(function (a, r) { return a + r.questions; }, 0);
    var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + (H + 24), role: 'img', class: 'chart', 'aria-label': t('perDayTitle') + ': ' + total });
    chart.appendChild(svg('line', { x1: pad, y1: H, x2: W, y2: H, stroke: '#d0d7de' }));
    var top = svg('text', { x: 0, y: 12, 'font-size': 11, fill: '#57606a' }); top.textContent = String(max); chart.appendChild(top);
    days.forEach(function (day, i) {
      var y = H;
      platforms.forEach(function (p) {
        var n = (by[day] && by[day][p]) || 0;
        if (!n) return;
        var h = (n / max) * (H - 16);
        y -= h;
        var r = svg('rect', { x: pad + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: h, fill: PLATFORM_COLORS[p] || '#888' });
        var tip = svg('title', {}); tip.textContent = day + ' · ' + p + ': ' + n; r.appendChild(tip);
        chart.appendChild(r);
      });
      if (i % Math.ceil(days.length / 8) === 0) { var lab = svg('text', { x: pad + i * bw, y: H + 16, 'font-size': 11, fill: '#57606a' }); lab.textContent = day.slice(5); chart.appendChild(lab); }
    });
    var fig = el('figure', { className: 'figure' });
    fig.appendChild(el('figcaption', null, t('perDayTitle')));
    fig.appendChild(chart);
    var legend = fig.appendChild(el('p', { className: 'legend' }));
    platforms.forEach(function (p) { var sw = legend.appendChild(el('span', { className: 'swatch' })); sw.style.background = PLATFORM_COLORS[p] || '#888'; legend.appendChild(document.createTextNode(' ' + p + '  ')); });
    var det = fig.appendChild(el('details'));
    det.appendChild(el('summary', null, t('showData')));
    var tb = table([t('day'), t('platform'), t('kpiQuestions')], t('perDayTitle'));
    report.perDay.forEach(function (r) { var tr = tb.body.appendChild(el('tr')); tr.appendChild(el('td', null, r.day)); tr.appendChild(el('td', null, r.platform)); tr.appendChild(el('td', null, r.questions)); });
    det.appendChild(tb.wrap);
    return fig;
  }
  function outcomesChart(report) {
    var tt = report.totals;
    var parts = [
      [t('kpiByBot'), tt.answeredByBot, '#1a7f37'],
      [t('kpiApproved'), tt.approved, '#0b57d0'],
      [t('kpiRejected'), tt.rejected, '#b42318'],
      [t('kpiOpen'), tt.open, '#f59e0b'],
    ];
    var other = Math.max(0, tt.questions - tt.answeredByBot - tt.escalated);
    if (other) parts.push(['…', other, '#d0d7de']);
    var fig = el('figure', { className: 'figure' });
    fig.appendChild(el('figcaption', null, t('outcomesTitle')));
    var W = 720, x = 0;
    var chart = fig.appendChild(svg('svg', { viewBox: '0 0 ' + W + ' 36', role: 'img', class: 'chart',
      'aria-label': parts.map(function (p) { return p[0] + ' ' + p[1]; }).join(', ') }));
    parts.forEach(function (p) {
      if (!p[1] || !tt.questions) return;
      var w = (p[1] / tt.questions) * W;
      var r = svg('rect', { x: x, y: 0, width: w, height: 36, fill: p[2] });
      var tip = svg('title', {}); tip.textContent = p[0] + ': ' + p[1] + ' (' + pct(p[1], tt.questions) + ')'; r.appendChild(tip);
      chart.appendChild(r); x += w;
    });
    var legend = fig.appendChild(el('p', { className: 'legend' }));
    parts.forEach(function (p) { var sw = legend.appendChild(el('span', { className: 'swatch' })); sw.style.background = p[2]; legend.appendChild(document.createTextNode(' ' + p[0] + ': ' + p[1] + ' (' + pct(p[1], tt.questions) + ')  ')); });
    return fig;
  }
  function showAnalytics() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', null, t('analyticsHeading')));
    var bar = main.appendChild(el('div', { className: 'filters' }));
    bar.appendChild(el('label', { for: 'days' }, t('period')));
    var sel = bar.appendChild(el('select', { id: 'days' }));
    [7, 30, 90].forEach(function (n) { var o = sel.appendChild(el('option', { value: String(n) }, t('lastDays', { n: n }))); if (n === analyticsDays) o.selected = true; });
    sel.onchange = function () { analyticsDays = Number(sel.value); loadAnalytics(); };
    main.appendChild(el('div', { id: 'analytics' }));
    loadAnalytics();
  }
  function loadAnalytics() {
    api('/api/analytics?days=' + analyticsDays).then(current(function (r) {
      var box = $('#analytics');
      if (!box) return;
      box.textContent = '';
      var tt = r.totals;
      var kpis = box.appendChild(el('dl', { className: 'kpis' }));
      var decision = r.medianDecisionMinutes === null ? '—' : r.medianDecisionMinutes < 120 ? t('minutes', { n: Math.round(r.medianDecisionMinutes) }) : t('hoursShort', { n: Math.round(r.medianDecisionMinutes / 60) });
      [
        [t('kpiQuestions'), String(tt.questions)],
        [t('kpiByBot'), pct(tt.answeredByBot, tt.questions)],
        [t('kpiEscalated'), pct(tt.escalated, tt.questions)],
        [t('kpiApproved'), String(tt.approved)],
        [t('kpiRejected'), String(tt.rejected)],
        [t('kpiDecision'), decision],
        [t('kpiFeedback'), pct(r.feedback.helpful, r.feedback.helpful + r.feedback.unhelpful) + ' (' + r.feedback.helpful + '/' + (r.feedback.helpful + r.feedback.unhelpful) + ')'],
      ].forEach(function (k) { var d = kpis.appendChild(el('div', { className: 'kpi' })); d.appendChild(el('dt', null, k[0])); d.appendChild(el('dd', null, k[1])); });
      box.appendChild(perDayChart(r));
      box.appendChild(outcomesChart(r));
      if (r.byDepartment.some(function (d) { return d.department || d.model; })) {
        box.appendChild(el('h2', null, t('deptTitle')));
        var dt = table([t('colDepartment'), t('colModel'), t('kpiQuestions'), t('kpiByBot'), t('kpiEscalated'), t('kpiFeedback')], t('deptTitle'));
        r.byDepartment.forEach(function (d) {
          var tr = dt.body.appendChild(el('tr'));
          tr.appendChild(el('td', null, d.department || t('noDepartment')));
          tr.appendChild(el('td', null, d.model || t('noModelShort')));
          tr.appendChild(el('td', null, d.questions));
          tr.appendChild(el('td', null, pct(d.answeredByBot, d.questions)));
          tr.appendChild(el('td', null, pct(d.escalated, d.questions)));
          tr.appendChild(el('td', null, pct(d.helpful, d.helpful + d.unhelpful) + ' (' + d.helpful + '/' + (d.helpful + d.unhelpful) + ')'));
        });
        box.appendChild(dt.wrap);
      }
      box.appendChild(el('h2', null, t('gapsTitle')));
      box.appendChild(el('p', { className: 'muted' }, t('gapsIntro')));
      if (!r.gaps.length) box.appendChild(el('p', { className: 'muted' }, t('noGaps')));
      else {
        var tb = table([t('colQuestion'), t('colCount'), t('colEscalated'), t('colUnhelpful'), t('colLastAsked')], t('gapsTitle'));
        tb.body.parentNode.classList.add('gaps');
        r.gaps.forEach(function (g) {
          var tr = tb.body.appendChild(el('tr'));
          var cell = tr.appendChild(el('td'));
          cell.appendChild(el('span', null, g.label));
          if (g.examples.length > 1) {
            var det = cell.appendChild(el('details'));
            det.appendChild(el('summary', null, t('examples')));
            var ul = det.appendChild(el('ul'));
            g.examples.forEach(function (x) { ul.appendChild(el('li', null, x)); });
          }
          tr.appendChild(el('td', null, g.count));
          tr.appendChild(el('td', null, g.escalated));
          tr.appendChild(el('td', null, g.unhelpful));
          tr.appendChild(el('td', null, g.lastAsked.slice(0, 10)));
        });
        box.appendChild(tb.wrap);
      }
      var defs = box.appendChild(el('section', { className: 'definitions' }));
      defs.appendChild(el('h2', null, t('definitions')));
      var ul2 = defs.appendChild(el('ul'));
      ['questions', 'byBot', 'escalated', 'decisions', 'decision', 'feedback', 'departments', 'gaps'].forEach(function (k) { ul2.appendChild(el('li', null, t('def_' + k))); });
    })).catch(function (e) { $('#analytics').textContent = t('failed', { message: e.message }); });
  }


  // ---- Adapters ----
  function showAdapters() {
    var main = $('#main');
    main.textContent = '';
    main.appendChild(el('h1', null, t('adaptersHeading')));
    main.appendChild(el('p', { className: 'muted' }, t('adaptersIntro')));
    main.appendChild(el('div', { id: 'adapters' }));
    main.appendChild(el('div', { id: 'fleet' }));
    loadAdapters();
    loadFleet();
  }
  function loadAdapters() {
    api('/api/adapters').then(current(function (r) {
      var box = $('#adapters');
      if (!box) return;
      box.textContent = '';
      if (!r.configured) { box.appendChild(el('p', { className: 'muted' }, t('noRunner'))); return; }
      var fleet = r.runners.length > 1;
      var silent = r.runners.filter(function (x) { return x.error; });
      if (silent.length) box.appendChild(el('p', { className: 'warning', role: 'status' }, t('runnersSilent', { list: silent.map(function (x) { return x.url + ' (' + x.error + ')'; }).join('; ') })));
      r.models.forEach(function (base) {
        box.appendChild(el('h2', null, t('baseModel') + ': ' + base));
        var mine = r.adapters.filter(function (a) { return a.base === base; });
        if (!mine.length) { box.appendChild(el('p', { className: 'muted' }, t('noAdapters'))); return; }
        var tb = table([t('adapterName'), t('department'), t('colScale'), t('colStatus')].concat(fleet ? [t('colRunners')] : []).concat(['']), t('baseModel') + ': ' + base);
        mine.forEach(function (a) {
          var tr = tb.body.appendChild(el('tr', { 'data-adapter': a.id }));
          tr.appendChild(el('td', null, a.name));
          tr.appendChild(el('td', null, a.department || t('none')));
          tr.appendChild(el('td', null, a.scale));
          tr.appendChild(el('td', null, a.status));
          if (fleet) tr.appendChild(el('td', { className: 'adapter-runners' }, a.runners.map(function (x) { return x.url + (x.status === 'serving' ? '' : ' (' + x.status + ')'); }).join(', ')));
          tr.appendChild(el('td')).appendChild(el('button', {
            type: 'button', className: 'secondary remove-adapter', 'aria-label': t('removeAdapter') + ': ' + a.id,
            onclick: function () {
              if (!window.confirm(t('removeAdapterConfirm', { id: a.id }))) return;
              api('/api/adapters/' + encodeURIComponent(a.id), { method: 'DELETE' }).then(loadAdapters)
                .catch(function (e) { announce(t('failed', { message: e.message })); });
            },
          }, t('removeAdapter')));
        });
        box.appendChild(tb.wrap);
      });
      var form = box.appendChild(el('form', { className: 'adapter-form edit-form' }));
      form.appendChild(el('h2', null, t('uploadAdapter')));
      form.appendChild(el('label', { for: 'ad-base' }, t('baseModel')));
      var base = form.appendChild(el('select', { id: 'ad-base' }));
      r.models.forEach(function (m) { base.appendChild(el('option', { value: m }, m)); });
      form.appendChild(el('label', { for: 'ad-name' }, t('adapterName')));
      var name = form.appendChild(el('input', { type: 'text', id: 'ad-name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,63}' }));
      form.appendChild(el('label', { for: 'ad-dept' }, t('department')));
      var dept = form.appendChild(el('input', { type: 'text', id: 'ad-dept', maxlength: '64' }));
      form.appendChild(el('label', { for: 'ad-file' }, t('adapterFile')));
      var file = form.appendChild(el('input', { type: 'file', id: 'ad-file', accept: '.gguf', required: true }));
      var targets = [];
      if (fleet) {
        var fs = form.appendChild(el('fieldset', { className: 'ad-runners' }));
        fs.appendChild(el('legend', null, t('uploadTo')));
        r.runners.forEach(function (x, i) {
          var row = fs.appendChild(el('div'));
          var box2 = row.appendChild(el('input', { type: 'checkbox', id: 'ad-runner-' + i, value: String(i), checked: true }));
          row.appendChild(el('label', { for: 'ad-runner-' + i }, ' ' + x.url));
          targets.push(box2);
        });
      }
      var rrow = form.appendChild(el('div'));
      var replace = rrow.appendChild(el('input', { type: 'checkbox', id: 'ad-replace' }));
      rrow.appendChild(el('label', { for: 'ad-replace' }, ' ' + t('replaceAdapter')));
      var bar = form.appendChild(el('progress', { max: '100', value: '0', 'aria-label': t('uploadAdapter') }));
      form.appendChild(el('button', { type: 'submit' }, t('uploadAdapter')));
      var status = form.appendChild(el('p', { role: 'status', className: 'form-status' }));
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        if (!file.files.length) return;
        var q = 'base=' + encodeURIComponent(base.value) + '&name=' + encodeURIComponent(name.value.trim()) +
          (dept.value.trim() ? '&department=' + encodeURIComponent(dept.value.trim()) : '') + (replace.checked ? '&replace=true' : '') +
          (fleet ? '&runners=' + targets.filter(function (x) { return x.checked; }).map(function (x) { return x.value; }).join(',') : '');
        if (fleet && !targets.some(function (x) { return x.checked; })) { status.textContent = t('pickRunner'); return; }
        status.textContent = t('uploading');
        sendFile('/api/adapters?' + q, file.files[0], bar, function (ok, body) {
          if (ok) { announce(t('adapterAdded', { id: body.id })); loadAdapters(); }
          else status.textContent = t('failed', { message: body.message });
        });
      });
    })).catch(function (e) { $('#adapters').textContent = t('failed', { message: e.message }); });
  }

  // ---- Runners and departments (the Worker's router, canaries) ----
  function loadFleet() {
    api('/api/fleet').then(current(function (r) {
      var box = $('#fleet');
      if (!box) return;
      box.textContent = '';
      box.appendChild(el('h2', null, t('runnersTitle')));
      if (!r.runners.length) box.appendChild(el('p', { className: 'muted' }, t('noRunner')));
      else {
        var tb = table([t('colRunner'), t('colState'), t('baseModel'), t('colAdapters'), t('colInflight'), t('colQueued')], t('runnersTitle'));
        r.runners.forEach(function (h) {
          var models = h.models.length ? h.models : [{ name: '—', state: '', adapters: [], inflight: 0, queued: 0 }];
          models.forEach(function (m) {
            var tr = tb.body.appendChild(el('tr', { 'data-runner': h.url }));
            tr.appendChild(el('td', null, h.url));
            tr.appendChild(el('td', { className: 'runner-state state-' + h.state.replace(/\s/g, '-') }, t('runnerState_' + h.state.replace(/\s/g, '_')) + (h.error ? ' (' + h.error + ')' : '')));
            tr.appendChild(el('td', null, m.name + (m.state && m.state !== 'ready' ? ' (' + m.state + ')' : '')));
            tr.appendChild(el('td', null, m.adapters.length ? m.adapters.join(', ') : t('none')));
            tr.appendChild(el('td', null, m.inflight));
            tr.appendChild(el('td', null, m.queued));
          });
        });
        box.appendChild(tb.wrap);
      }
      box.appendChild(el('h2', null, t('departmentsTitle')));
      if (!r.departments.length) { box.appendChild(el('p', { className: 'muted' }, t('noDepartments'))); return; }
      box.appendChild(el('p', { className: 'muted' }, t('departmentsIntro')));
      r.departments.forEach(function (d) {
        var card = box.appendChild(el('section', { className: 'department', 'data-department': d.department }));
        card.appendChild(el('h3', null, d.department));
        card.appendChild(el('p', null, t('deptModel', { model: d.current || t('baseModelShort') }) + (d.currentFrom === 'promoted' ? ' · ' + t('deptPromoted') : '')));
        if (!d.currentServed) card.appendChild(el('p', { className: 'warning' }, t('deptNotServed', { model: d.current })));
        if (d.canary && d.canaryServed === false) card.appendChild(el('p', { className: 'warning' }, t('canaryNotServed', { model: d.canary })));
        var where = d.channels.concat(d.sources);
        if (where.length) card.appendChild(el('p', { className: 'muted' }, t('deptOwns', { list: where.join(', ') })));
        if (d.canary) {
          card.appendChild(el('p', { className: 'canary' }, t('deptCanary', { model: d.canary, percent: Math.round(d.share * 100), since: d.canarySince.slice(0, 16).replace('T', ' ') })));
          var ct = table([t('colModel'), t('kpiQuestions'), t('kpiEscalated'), t('kpiFeedback')], t('deptCompare', { department: d.department }));
          d.comparison.forEach(function (o, i) {
            var tr = ct.body.appendChild(el('tr'));
            tr.appendChild(el('td', null, (o.model || '—') + ' (' + t(i === 0 ? 'currentShort' : 'canaryShort') + ')'));
            tr.appendChild(el('td', null, o.questions));
            tr.appendChild(el('td', null, pct(o.escalated, o.questions)));
            tr.appendChild(el('td', null, pct(o.helpful, o.helpful + o.unhelpful) + ' (' + o.helpful + '/' + (o.helpful + o.unhelpful) + ')'));
          });
          card.appendChild(ct.wrap);
          var acts = card.appendChild(el('div', { className: 'actions', role: 'group', 'aria-label': t('deptCompare', { department: d.department }) }));
          ['promote', 'rollback'].forEach(function (step) {
            acts.appendChild(el('button', {
              type: 'button', className: step === 'promote' ? 'promote' : 'secondary rollback',
              onclick: function () {
                if (!window.confirm(t(step + 'Confirm', { department: d.department, canary: d.canary, current: d.current || t('baseModelShort') }))) return;
                api('/api/rollouts/' + encodeURIComponent(d.department) + '/' + step, { method: 'POST', body: JSON.stringify({ canary: d.canary }) })
                  .then(function () { announce(t(step + 'Done', { department: d.department })); loadFleet(); })
                  .catch(function (e) { announce(t('failed', { message: e.message })); loadFleet(); });
              },
            }, t(step)));
          });
        }
        var form = card.appendChild(el('form', { className: 'canary-form edit-form' }));
        var mid = 'cm-' + d.department, pid = 'cp-' + d.department;
        form.appendChild(el('label', { for: mid }, t(d.canary ? 'changeCanary' : 'startCanary')));
        var model = form.appendChild(el('input', { type: 'text', id: mid, required: true, placeholder: r.baseModel + ':' + d.department + '-v2', list: 'fleet-models', value: d.canary || '' }));
        form.appendChild(el('label', { for: pid }, t('canaryPercent')));
        var percent = form.appendChild(el('input', { type: 'number', id: pid, min: '1', max: '50', required: true, value: d.canary ? String(Math.round(d.share * 100)) : '10' }));
        form.appendChild(el('button', { type: 'submit' }, t(d.canary ? 'changeCanary' : 'startCanary')));
        var status = form.appendChild(el('p', { role: 'status', className: 'form-status' }));
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          api('/api/rollouts/' + encodeURIComponent(d.department) + '/canary', { method: 'POST', body: JSON.stringify({ model: model.value.trim(), percent: Number(percent.value) }) })
            .then(function () { announce(t('canaryStarted', { department: d.department })); loadFleet(); })
            .catch(function (e) { status.textContent = t('failed', { message: e.message }); });
        });
      });
      // The models the runners serve, offered while typing a canary.
      var dl = box.appendChild(el('datalist', { id: 'fleet-models' }));
      var seen = {};
      r.runners.forEach(function (h) { h.models.forEach(function (m) { [m.name].concat(m.adapters.map(function (a) { return m.name + ':' + a; })).forEach(function (x) { if (!seen[x]) { seen[x] = 1; dl.appendChild(el('option', { value: x })); } }); }); });
    })).catch(function (e) { var b = $('#fleet'); if (b) b.textContent = t('failed', { message: e.message }); });
  }

  // ---- Shell ----
  function route() {
    viewSeq++;
    var view = location.hash.replace(/^#\/?/, '') || 'ask';
    Array.prototype.forEach.call(document.querySelectorAll('nav a'), function (a) {
      a.setAttribute('aria-current', a.getAttribute('href') === '#/' + view ? 'page' : 'false');
    });
    if (view === 'escalations' && can('admin')) showEscalations();
    else if (view === 'approved' && can('admin')) showApproved();
    else if (view === 'analytics' && can('admin')) showAnalytics();
    else if (view === 'adapters' && can('admin')) showAdapters();
    else if (view === 'documents' && can('uploader')) showDocuments();
    else showAsk();
    $('#main').focus({ preventScroll: true });
  }
  function shell() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    $('#tagline').textContent = t('tagline');
    var nav = $('#nav');
    nav.textContent = '';
    nav.setAttribute('aria-label', t('title'));
    var ul = nav.appendChild(el('ul'));
    ul.appendChild(el('li')).appendChild(el('a', { href: '#/ask' }, t('navAsk')));
    if (can('admin')) {
      var a = ul.appendChild(el('li')).appendChild(el('a', { href: '#/escalations' }, t('navEscalations') + ' '));
      a.appendChild(el('span', { id: 'esc-count', className: 'badge' }));
      ul.appendChild(el('li')).appendChild(el('a', { href: '#/approved' }, t('navApproved')));
      ul.appendChild(el('li')).appendChild(el('a', { href: '#/analytics' }, t('navAnalytics')));
      ul.appendChild(el('li')).appendChild(el('a', { href: '#/adapters' }, t('navAdapters')));
    }
    if (can('uploader')) ul.appendChild(el('li')).appendChild(el('a', { href: '#/documents' }, t('navDocuments')));
    $('#who').textContent = t('signedIn', { user: session.user, role: t('role_' + session.role) });
    var sel = $('#lang');
    sel.value = lang;
    $('#lang-label').textContent = t('language');
    $('#confirm-title').textContent = t('askHumanTitle');
    $('#confirm-body').textContent = t('askHumanBody');
    $('#confirm-send').textContent = t('askHumanSend');
    $('#confirm-cancel').textContent = t('cancel');
    $('#stored-close').textContent = t('close');
  }
  $('#lang').addEventListener('change', function () {
    lang = $('#lang').value;
    try { localStorage.setItem('policybot.lang', lang); } catch (e) {}
    shell(); route();
  });
  $('#confirm-cancel').addEventListener('click', function () { $('#confirm').close(); });
  $('#stored-close').addEventListener('click', function () { $('#stored').close(); });
  window.addEventListener('hashchange', route);
  fetch('/api/session', { credentials: 'same-origin' }).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) {
        $('#main').textContent = '';
        $('#main').appendChild(el('p', { className: 'signin', role: 'alert' }, (body.error && body.error.message) || 'Not signed in.'));
        return;
      }
      session = body;
      shell();
      route();
      refreshCount();
      setInterval(function () { refreshCount(); if (location.hash === '#/escalations' && escFilter.status === 'open' && !busy()) loadQueue(); }, 5000);
    });
  });
})();
`
