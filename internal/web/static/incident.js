// The incident form offline: the whole form becomes one "incident.report"
// command in the offline queue (queue.js), targeting its site, so a monitor
// can log an eviction with no network; the queue sends it once the phone is
// back online and the server applies it exactly once. Times are sent as
// RFC 3339 with the phone's offset. Photos and files chosen or taken are
// hashed here at once (SHA-256, crypto.subtle), kept with the command and
// sent after it; the server hashes them again and a difference goes to a
// coordinator. Without the queue the form posts (without its files).
// capturedOf is when a file was taken, as this phone says: the file's own
// time (File.lastModified, which the camera sets when it takes the photo,
// by the phone's clock), or else the moment it was chosen. Nothing is read
// from the file's bytes: no GPS tag, and no EXIF date either.
function capturedOf(file) {
  'use strict';
  if (file && typeof file.lastModified === 'number' && file.lastModified > 0) {
    return { at: new Date(file.lastModified).toISOString(), from: 'file_time' };
  }
  return { at: new Date().toISOString(), from: 'chosen' };
}

// hashCode is the line a file's SHA-256 shows as.
function hashCode(sha256) {
  'use strict';
  var code = document.createElement('code');
  code.dir = 'ltr';
  code.className = 'hash';
  code.textContent = 'SHA-256 ' + sha256;
  return code;
}

function abriIncident() {
  'use strict';
  var form = document.getElementById('incident-form');
  if (!form || !window.abri || !window.abri.queue) return;
  var q = window.abri.queue;
  var said = form.querySelector('[data-incident-said]');
  var input = form.elements.photos;
  var list = document.getElementById('incident-photo-list');
  var box = form.querySelector('[data-incident-files]');
  var captured = []; // {blob, sha256, captured_at, name}
  var hashing = Promise.resolve();

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
  }

  function showFiles() {
    if (!list) return;
    list.textContent = '';
    captured.forEach(function (f) {
      var li = document.createElement('li');
      li.className = 'row';
      li.appendChild(hashCode(f.sha256));
      list.appendChild(li);
    });
  }

  // Each file is hashed as it is taken: the hash that goes with it is of
  // the bytes the phone had then.
  if (input && window.crypto && crypto.subtle) {
    input.addEventListener('change', function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      if (box && chosen.length) said.textContent = box.dataset.tHashing;
      hashing = hashing.then(function () {
        return Promise.all(chosen.map(function (file) {
          return file.arrayBuffer().then(function (buf) {
            return crypto.subtle.digest('SHA-256', buf).then(function (d) {
              // The bytes hashed are the bytes kept, whatever happens to
              // the file on the phone afterwards.
              var c = capturedOf(file);
              return { blob: new Blob([buf], { type: file.type }), sha256: hex(d), captured_at: c.at, captured_from: c.from };
            });
          });
        }));
      }).then(function (fs) {
        captured = captured.concat(fs);
        input.value = '';
        said.textContent = '';
        showFiles();
      });
    });
  }

  function num(name) {
    var el = form.elements[name];
    var v = el ? el.value.trim() : '';
    return v === '' ? 0 : parseInt(v, 10);
  }
  function when(name) {
    var v = form.elements[name].value;
    return v ? new Date(v).toISOString() : null;
  }
  function val(name) { return form.elements[name] ? form.elements[name].value : ''; }

  form.addEventListener('submit', function (ev) {
    if (!form.checkValidity()) return;
    ev.preventDefault();
    var p = {
      kind: val('kind'), starts_at: when('start'), legal_basis: val('legal_basis'),
      bailiff: val('bailiff'), interpreter: val('interpreter'), notice: val('notice'),
      recovery_offered: val('recovery_offered'), notes: val('notes'), force_used: [], forces: [], items: []
    };
    var end = when('end');
    if (end) p.ends_at = end;
    ['people_present', 'people_arrested', 'bus_shelter', 'bus_detention',
      'observers_checked', 'observers_fined', 'observers_obstructed'].forEach(function (n) { p[n] = num(n); });
    Array.prototype.forEach.call(form.querySelectorAll('input[name="force_used"]:checked'), function (c) { p.force_used.push(c.value); });
    Array.prototype.forEach.call(form.querySelectorAll('input[name^="force_"][type="checkbox"]'), function (c) {
      if (c.name === 'force_used') return;
      // Each force is the organisation's, by its id in the list the page
      // came with.
      var f = c.name.slice(6);
      var v = num('vehicles_' + f), o = num('officers_' + f);
      if (c.checked || v || o) p.forces.push({ force_id: parseInt(f, 10), vehicles: v, officers: o });
    });
    for (var i = 0; form.elements['product_' + i]; i++) {
      var prod = val('product_' + i);
      if (!prod) continue;
      p.items.push({ product_id: parseInt(prod, 10), seized: num('seized_' + i), destroyed: num('destroyed_' + i), recovered: num('recovered_' + i) });
    }
    hashing.then(function () {
      var files = captured;
      return q.enqueue({ type: 'incident.report', target: 'site:' + val('site'), payload: p, files: files });
    }).then(function () {
      form.reset();
      captured = [];
      showFiles();
      said.textContent = form.dataset.tQueued;
    });
  });
}
// The incident page's file form posts as a plain multipart form, and
// without JavaScript the server alone hashes the file. With it, the file
// is hashed here as it is chosen and the hash, with the file's own time,
// goes in the form's hidden fields before the file; the page says which.
function abriEvidenceUpload() {
  'use strict';
  var form = document.getElementById('evidence-upload');
  if (!form || !window.crypto || !crypto.subtle) return;
  var input = form.elements.file;
  var hint = document.getElementById('evidence-file-hash');
  var button = form.querySelector('button[type="submit"]');
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
  }
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    form.elements.sha256.value = '';
    form.elements.captured_at.value = '';
    form.elements.captured_from.value = '';
    if (!file) return;
    button.disabled = true;
    hint.textContent = hint.dataset.tHashing;
    file.arrayBuffer().then(function (buf) {
      return crypto.subtle.digest('SHA-256', buf);
    }).then(function (d) {
      var c = capturedOf(file);
      form.elements.sha256.value = hex(d);
      form.elements.captured_at.value = c.at;
      form.elements.captured_from.value = c.from;
      hint.textContent = hint.dataset.tDevice;
    }).catch(function () {
      hint.textContent = '';
    }).then(function () {
      button.disabled = false;
    });
  });
}

// abriRefusedFiles lists, above the incident form, the files the server
// refused for good (too large, their report set aside): each stays on the
// phone, in the queue, until the person discards it, after a confirmation
// that says only the queue's copy goes.
function abriRefusedFiles() {
  'use strict';
  var box = document.getElementById('incident-refused');
  var list = document.getElementById('incident-refused-list');
  if (!box || !list || !window.abri || !window.abri.queue || !window.abri.queue.discardFile) return;
  var q = window.abri.queue;
  function fmt(s, a) { return s.replace('%s', a); }
  function show() {
    q.files().then(function (fs) {
      var refused = fs.filter(function (f) { return f.refused; });
      list.textContent = '';
      box.hidden = !refused.length;
      refused.forEach(function (f) {
        var li = document.createElement('li');
        li.className = 'row';
        li.setAttribute('data-file', f.id);
        var div = document.createElement('div');
        var why = document.createElement('p');
        why.className = 'name';
        why.textContent = fmt(box.dataset.tReason, f.refused);
        var still = document.createElement('p');
        still.className = 'meta';
        still.textContent = box.dataset.tStill;
        div.appendChild(why);
        div.appendChild(still);
        div.appendChild(hashCode(f.sha256));
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'danger';
        b.textContent = box.dataset.tDiscard;
        b.addEventListener('click', function () {
          if (!window.confirm(box.dataset.tConfirm)) return;
          q.discardFile(f.id).then(show);
        });
        li.appendChild(div);
        li.appendChild(b);
        list.appendChild(li);
      });
    }).catch(function () {});
  }
  show();
  window.addEventListener('focus', show);
  setInterval(show, 15000);
}

function abriIncidentStart() {
  abriIncident();
  abriEvidenceUpload();
  abriRefusedFiles();
}
if (window.abri && window.abri.queue) abriIncidentStart();
else document.addEventListener('DOMContentLoaded', abriIncidentStart);
