// abri's offline queue. Field screens record what a person does as
// commands: abri.queue.enqueue({type, target, payload}) stores the command
// in IndexedDB with an id made here and the phone's time, and returns at
// once; a tap never waits on the network. A sender, one at a time across
// tabs (Web Locks, else a lock record), sends the commands in order, in
// batches, to /sync/commands, and deletes a command only once the server
// has acknowledged its id (applied, already applied, conflict and needs
// review all acknowledge it). Network errors and 5xx answers are retried
// with a backoff capped at three minutes; the server applies each id once,
// so a resend never counts twice. A command may carry files (the incident
// form's photos, each with the SHA-256 computed here at capture): they are
// kept in the same IndexedDB, written in the same transaction as their
// command, and sent one at a time to /sync/evidence once the server has
// acknowledged the command, then deleted. It also registers the service worker
// (/sw.js), shows the status line of field screens, and asks before a
// sign-out leaves unsent commands behind.
(function () {
  'use strict';

  var DB_NAME = 'abri-queue';
  var STORE = 'commands';
  var FILES = 'files';
  var FILE_TIMEOUT = 300000;
  var BATCH = 100;
  var MAX_BACKOFF = 180000;
  var SEND_TIMEOUT = 30000;
  var LOCK = 'abri-queue-send';
  var WARN_DAYS = 5;

  var dbPromise = null;
  var backoff = 0;
  var timer = null;
  var state = 'idle'; // idle, sending, offline, signin, refused
  var refusedText = '';
  var reviewed = 0;
  var channel = 'BroadcastChannel' in window ? new BroadcastChannel('abri-queue') : null;

  // The signed-in person: commands are kept per person, and a person's
  // commands are sent only with their own session.
  function currentUser() {
    var el = document.querySelector('[data-abri-signout][data-user]');
    return el ? el.getAttribute('data-user') : '';
  }

  function openDB() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      // Version 2 adds the files store; the commands store is kept as it
      // is, with whatever waits in it.
      var req = indexedDB.open(DB_NAME, 2);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true }).createIndex('user', 'user');
        }
        if (!db.objectStoreNames.contains(FILES)) {
          db.createObjectStore(FILES, { keyPath: 'id' }).createIndex('user', 'user');
        }
      };
      req.onsuccess = function () {
        var db = req.result;
        // Another tab with a newer version: let it upgrade.
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = function () { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  // txOn runs fn(transaction) over some stores and resolves to what fn
  // returned once the transaction has committed.
  function txOn(stores, mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode);
        var out;
        t.oncomplete = function () { resolve(out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
        out = fn(t);
      });
    });
  }

  function tx(mode, fn) {
    return txOn(STORE, mode, function (t) { return fn(t.objectStore(STORE)); });
  }

  // byUser lists a person's records of a store.
  function byUser(store, user) {
    return txOn(store, 'readonly', function (t) {
      var out = [];
      var req = t.objectStore(store).index('user').openCursor(IDBKeyRange.only(user));
      req.onsuccess = function () {
        var cur = req.result;
        if (cur) { out.push(cur.value); cur.continue(); }
      };
      return out;
    });
  }

  // all lists a person's commands, oldest first.
  function all(user) {
    return byUser(STORE, user).then(function (list) {
      return list.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // filesOf lists a person's files, oldest first.
  function filesOf(user) {
    return byUser(FILES, user).then(function (list) {
      return list.sort(function (a, b) { return a.added - b.added; });
    });
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var persistAsked = false;
  function askPersist() {
    if (persistAsked || !navigator.storage || !navigator.storage.persist) return;
    persistAsked = true;
    navigator.storage.persisted().then(function (p) { if (!p) return navigator.storage.persist(); }).catch(function () {});
  }

  // enqueue stores a command, and the files it carries (c.files: each
  // {blob, sha256, captured_at, captured_from}), and returns it (with its id) once it is
  // on the phone; sending starts in the background. A screen that first
  // sent the command online passes the id and made_at it sent (c.id,
  // c.made_at, from newCommand), so the server applies it once.
  function enqueue(c) {
    var user = currentUser();
    if (!user) return Promise.reject(new Error('not signed in'));
    var rec = { id: c.id || uuid(), type: c.type, target: c.target, payload: c.payload || {}, made_at: c.made_at || new Date().toISOString(), user: user };
    var files = (c.files || []).map(function (f, i) {
      return { id: uuid(), command: rec.id, user: user, blob: f.blob, sha256: f.sha256, captured_at: f.captured_at || '', captured_from: f.captured_from || '', added: Date.now() + i };
    });
    askPersist();
    return txOn(files.length ? [STORE, FILES] : STORE, 'readwrite', function (t) {
      t.objectStore(STORE).add(rec);
      files.forEach(function (f) { t.objectStore(FILES).add(f); });
    }).then(function () {
      changed();
      kick(0);
      return { id: rec.id, made_at: rec.made_at };
    });
  }

  // pending lists the person's unsent commands, oldest first (a field
  // screen adds them to the totals it shows).
  function pending() {
    var user = currentUser();
    return user ? all(user) : Promise.resolve([]);
  }

  // pendingFiles lists the signed-in person's files waiting to be sent.
  function pendingFiles() {
    var user = currentUser();
    return user ? filesOf(user) : Promise.resolve([]);
  }

  // discardFile deletes a file the server refused for good from the
  // signed-in person's queue: it will not be sent. Only a refused file may
  // go; the screen asks first.
  function discardFile(id) {
    return pendingFiles().then(function (fs) {
      var f = fs.filter(function (x) { return x.id === id && x.refused; })[0];
      if (!f) return false;
      return removeFile(id).then(function () { changed(); return true; });
    });
  }

  function removeAcked(ids) {
    var acked = {};
    ids.forEach(function (id) { acked[id] = true; });
    return tx('readwrite', function (st) {
      var req = st.openCursor();
      req.onsuccess = function () {
        var cur = req.result;
        if (!cur) return;
        if (acked[cur.value.id]) cur.delete();
        cur.continue();
      };
    });
  }

  // sendOnce sends the oldest batch; it resolves to 'sent' (look for more
  // at once), 'empty', or 'wait' (sending must wait: no network, a server
  // in trouble, no session, a refusal).
  function sendOnce(user) {
    return all(user).then(function (list) {
      if (!list.length) return 'empty';
      var batch = list.slice(0, BATCH).map(function (r) {
        return { id: r.id, type: r.type, target: r.target, payload: r.payload, made_at: r.made_at };
      });
      setState('sending');
      var ctl = 'AbortController' in window ? new AbortController() : null;
      var tm = ctl ? setTimeout(function () { ctl.abort(); }, SEND_TIMEOUT) : null;
      return fetch('/sync/commands', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ commands: batch }),
        signal: ctl ? ctl.signal : undefined
      }).then(function (res) {
        clearTimeout(tm);
        return res.json().catch(function () { return null; }).then(function (body) {
          if (res.status === 200 && body && body.outcomes) {
            var ids = [];
            body.outcomes.forEach(function (o) {
              ids.push(o.id);
              if (o.status === 'needs_review' || o.status === 'conflict') reviewed++;
            });
            return removeAcked(ids).then(function () {
              backoff = 0;
              setState('idle');
              changed();
              return 'sent';
            });
          }
          if (res.status === 401) { setState('signin'); return 'wait'; }
          if (res.status >= 500 || res.status === 408 || res.status === 429) { retryLater(); return 'wait'; }
          refusedText = body && body.error ? body.error.message : String(res.status);
          setState('refused');
          return 'wait';
        });
      }, function () {
        clearTimeout(tm);
        retryLater();
        return 'wait';
      });
    });
  }

  function updateFile(f) {
    return txOn(FILES, 'readwrite', function (t) { t.objectStore(FILES).put(f); });
  }

  function removeFile(id) {
    return txOn(FILES, 'readwrite', function (t) { t.objectStore(FILES).delete(id); });
  }

  // sendFile sends the oldest file whose command the server has
  // acknowledged (it is no longer queued here); it resolves like sendOnce.
  // A file the server refuses for good (too large, not allowed) is kept,
  // marked, and said on the status line; one whose report waits for a
  // coordinator's review is tried again later.
  function sendFile(user) {
    return Promise.all([all(user), filesOf(user)]).then(function (r) {
      var queued = {};
      r[0].forEach(function (c) { queued[c.id] = true; });
      var f = r[1].filter(function (x) { return !queued[x.command] && !x.refused; })[0];
      if (!f) return 'empty';
      var fd = new FormData();
      fd.append('command', f.command);
      fd.append('client_id', f.id);
      fd.append('sha256', f.sha256);
      if (f.captured_at) fd.append('captured_at', f.captured_at);
      if (f.captured_from) fd.append('captured_from', f.captured_from);
      fd.append('file', f.blob, 'file');
      setState('sending');
      var ctl = 'AbortController' in window ? new AbortController() : null;
      var tm = ctl ? setTimeout(function () { ctl.abort(); }, FILE_TIMEOUT) : null;
      return fetch('/sync/evidence', {
        method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json' }, body: fd,
        signal: ctl ? ctl.signal : undefined
      }).then(function (res) {
        clearTimeout(tm);
        return res.json().catch(function () { return null; }).then(function (body) {
          var err = body && body.error ? body.error : null;
          if (res.status === 201 || res.status === 200) {
            return removeFile(f.id).then(function () { backoff = 0; setState('idle'); changed(); return 'sent'; });
          }
          if (res.status === 401) { setState('signin'); return 'wait'; }
          if (res.status >= 500 || res.status === 408 || res.status === 429 || (res.status === 409 && !(err && err.field))) {
            retryLater();
            return 'wait';
          }
          f.refused = err ? err.message : String(res.status);
          return updateFile(f).then(function () { changed(); return 'sent'; });
        });
      }, function () {
        clearTimeout(tm);
        retryLater();
        return 'wait';
      });
    });
  }

  // wanted says a command was queued (or sending asked for) since the
  // sender last looked: it looks again before it stops.
  var wanted = false;

  function drain() {
    var user = currentUser();
    if (!user) return Promise.resolve();
    var loop = function () {
      wanted = false;
      return sendOnce(user).then(function (r) {
        if (r === 'sent' || (r === 'empty' && wanted)) return loop();
        if (r !== 'empty') return r;
        // Every command acknowledged: now the files that came with them.
        return sendFile(user).then(function (fr) { return fr === 'sent' ? loop() : fr; });
      });
    };
    return loop().catch(function () { retryLater(); return 'wait'; });
  }

  var BUSY = {};

  // withLock runs fn unless another tab is sending, and then resolves to
  // BUSY: that tab's sender reads the same store and sends these commands
  // too.
  function withLock(fn) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? fn() : BUSY;
      });
    }
    var key = 'abri-queue-lock', me = uuid(), now = Date.now();
    try {
      var held = JSON.parse(localStorage.getItem(key) || 'null');
      if (held && held.until > now && held.owner !== me) return Promise.resolve(BUSY);
      localStorage.setItem(key, JSON.stringify({ owner: me, until: now + SEND_TIMEOUT + 5000 }));
    } catch (e) { /* no storage: send anyway; the server applies each id once */ }
    return Promise.resolve(fn()).then(function (r) {
      try { localStorage.removeItem(key); } catch (e) {}
      return r;
    });
  }

  // run sends what waits, now, unless a send is already under way here
  // (it will see the new commands) or in another tab (look again soon).
  var running = false;
  function run() {
    wanted = true;
    if (running) return Promise.resolve();
    running = true;
    return withLock(drain).then(function (r) {
      running = false;
      if (r === BUSY) kick(1500);
      // A command queued after the sender's last look, while the lock was
      // being let go, found it still running: send it now. (A failed send
      // has its retry already set.)
      else if (wanted && r !== 'wait') kick(0);
    }, function () { running = false; kick(2000); });
  }

  function retryLater() {
    backoff = Math.min(MAX_BACKOFF, backoff ? backoff * 2 : 2000);
    setState('offline');
    kick(backoff + Math.floor(Math.random() * 1000));
  }

  function kick(delay) {
    clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  function setState(s) {
    state = s;
    render();
  }

  function changed() {
    render();
    if (channel) channel.postMessage('changed');
  }

  // ---- the status line ----

  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return s.replace(/%[ds]/g, function () { return String(args[i++]); });
  }

  function ageText(el, ms) {
    var min = Math.floor(ms / 60000);
    if (min < 60) return fmt(el.dataset.tMin, Math.max(min, 0));
    if (min < 48 * 60) return fmt(el.dataset.tHours, Math.floor(min / 60));
    return fmt(el.dataset.tDays, Math.floor(min / 1440));
  }

  function render() {
    var els = document.querySelectorAll('[data-abri-queue-status]');
    if (!els.length) return;
    Promise.all([pending(), pendingFiles()]).then(function (r) {
      var list = r[0];
      var files = r[1].filter(function (f) { return !f.refused; });
      var refused = r[1].filter(function (f) { return f.refused; });
      Array.prototype.forEach.call(els, function (el) {
        var p = el.querySelector('[data-abri-queue-text]');
        var btn = el.querySelector('[data-abri-queue-send]');
        var parts = [];
        var warn = false;
        if (!list.length) {
          parts.push(el.dataset.tNone);
        } else {
          var age = Date.now() - Date.parse(list[0].made_at);
          parts.push(fmt(el.dataset.tWaiting, list.length, ageText(el, age)));
          if (age >= WARN_DAYS * 86400000) {
            warn = true;
            parts.push(fmt(el.dataset.tOld, ageText(el, age)));
          }
          if (state === 'sending') parts.push(el.dataset.tSending);
          if (state === 'offline') parts.push(el.dataset.tOffline);
          if (state === 'signin') parts.push(el.dataset.tSignin);
          if (state === 'refused') parts.push(fmt(el.dataset.tRefused, refusedText));
        }
        if (reviewed) parts.push(fmt(el.dataset.tReview, reviewed));
        if (files.length && el.dataset.tFiles) {
          parts.push(fmt(el.dataset.tFiles, files.length));
          if (list.length === 0 && state === 'offline') parts.push(el.dataset.tOffline);
        }
        if (refused.length && el.dataset.tFileRefused) {
          warn = true;
          parts.push(fmt(el.dataset.tFileRefused, refused[0].refused));
        }
        p.textContent = parts.join(' ');
        el.setAttribute('data-waiting', String(list.length));
        el.setAttribute('data-files', String(files.length));
        el.classList.toggle('warn', warn);
        el.classList.toggle('waiting', list.length + files.length > 0);
        if (btn) btn.hidden = !(list.length + files.length);
      });
    }).catch(function () {});
  }

  // ---- sign-out ----

  function clearCaches() {
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf('abri-') === 0; }).map(function (k) { return caches.delete(k); }));
      }));
    }
    if (navigator.serviceWorker) {
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage('clear');
      // Signed out, no page is kept: the worker goes too, and comes back
      // with the next sign-in.
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (rs) {
        return Promise.all(rs.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(function () {});
  }

  function hookSignOut(form) {
    var confirmed = false;
    form.addEventListener('submit', function (ev) {
      if (confirmed) return;
      ev.preventDefault();
      var go = function () {
        confirmed = true;
        clearCaches().then(function () { form.submit(); });
      };
      // Try to send first; ask only about what is still waiting.
      var tried = Promise.race([run(), new Promise(function (r) { setTimeout(r, 5000); })]);
      tried.then(function () {
        return Promise.all([pending(), pendingFiles()]);
      }).then(function (r) {
        var n = r[0].length + r[1].length;
        if (!n || window.confirm(fmt(form.dataset.tUnsent, n))) go();
      }, go);
    });
  }

  // warm puts the field screen open now, and its files, in the service
  // worker's keeping: the first visit was drawn before the worker ran.
  function warm() {
    if (!document.querySelector('[data-abri-queue-status]') || !navigator.serviceWorker) return;
    var go = function () {
      var urls = [location.href];
      document.querySelectorAll('script[src], link[rel="stylesheet"][href], link[rel="icon"][href]').forEach(function (el) {
        urls.push(el.src || el.href);
      });
      urls.forEach(function (u) {
        fetch(u, { credentials: 'same-origin', headers: u === location.href ? { 'Accept': 'text/html' } : {} }).catch(function () {});
      });
    };
    if (navigator.serviceWorker.controller) go();
    else navigator.serviceWorker.addEventListener('controllerchange', go, { once: true });
  }

  // ---- start ----

  window.abri = window.abri || {};
  window.abri.queue = {
    enqueue: enqueue, pending: pending,
    // newCommand gives the id and clock of a command a screen sends online
    // first and queues only if the answer is lost.
    newCommand: function () { return { id: uuid(), made_at: new Date().toISOString() }; }, send: function () { backoff = 0; return run(); }, currentUser: currentUser,
    files: pendingFiles, discardFile: discardFile
  };

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
  }
  document.querySelectorAll('form[action="/logout"], form[action="/logout-everywhere"]').forEach(function (f) {
    if (!f.dataset.tUnsent) {
      var main = document.querySelector('form[data-abri-signout]');
      if (main) f.dataset.tUnsent = main.dataset.tUnsent;
    }
    hookSignOut(f);
  });
  document.querySelectorAll('[data-abri-queue-send]').forEach(function (b) {
    b.addEventListener('click', function () { backoff = 0; kick(0); });
  });
  if (channel) channel.onmessage = function () { render(); };
  window.addEventListener('online', function () { backoff = 0; kick(0); });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) kick(0); });
  setInterval(render, 30000);
  var bar = document.querySelector('[data-abri-queue-status]');
  if (bar) {
    askPersist();
    // The status line is fixed at the foot of the screen (app.css): the
    // page ends with room for it, so nothing stays hidden under it.
    var pad = function () { document.body.style.paddingBlockEnd = bar.offsetHeight + 'px'; };
    if ('ResizeObserver' in window) new ResizeObserver(pad).observe(bar);
    pad();
  }
  warm();
  render();
  kick(0);
})();
