// The quick count: each button adds one person of its age band and gender
// through the offline queue (queue.js); the undo takes the last one of
// this screen back with a command of its own, so that what was sent stays
// sent. The numbers shown are the server's at page load, plus what waits
// in the queue for this site and day, plus what was tapped here since.
function abriCount() {
  'use strict';
  var box = document.getElementById('counter');
  if (!box || !window.abri || !window.abri.queue) return;
  var q = window.abri.queue;
  var target = box.dataset.target;
  var day = box.dataset.day;
  var total = box.querySelector('[data-count-total]');
  var said = box.querySelector('[data-count-said]');
  var undoBtn = box.querySelector('[data-count-undo]');
  var buttons = Array.prototype.slice.call(box.querySelectorAll('button.tap'));
  var all = parseInt(box.dataset.all, 10) || 0;
  var last = [];

  function key(age, gender) { return age + '|' + gender; }
  var byKey = {};
  buttons.forEach(function (b) { byKey[key(b.dataset.age, b.dataset.gender)] = b; });

  function add(b, n) {
    var v = (parseInt(b.dataset.n, 10) || 0) + n;
    b.dataset.n = String(v);
    b.querySelector('[data-count]').textContent = String(v);
    all += n;
    total.textContent = String(all);
  }

  function label(b) { return b.querySelector('span').textContent; }

  function record(b, n) {
    add(b, n);
    return q.enqueue({ type: 'headcount.add', target: target, payload: { age: b.dataset.age, gender: b.dataset.gender, n: n } });
  }

  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      record(b, 1);
      last.push(b);
      undoBtn.disabled = false;
      said.textContent = box.dataset.tAdded.replace('%s', label(b));
    });
  });

  undoBtn.addEventListener('click', function () {
    var b = last.pop();
    if (!b) {
      said.textContent = box.dataset.tNothing;
      return;
    }
    record(b, -1);
    undoBtn.disabled = last.length === 0;
    said.textContent = box.dataset.tUndone.replace('%s', label(b));
  });

  // What waits in the queue is not in the server's numbers yet.
  q.pending().then(function (list) {
    list.forEach(function (c) {
      if (c.type !== 'headcount.add' || c.target !== target || c.made_at.slice(0, 10) !== day) return;
      var b = byKey[key(c.payload.age, c.payload.gender)];
      if (b) add(b, c.payload.n);
    });
  }).catch(function () {}).then(function () {
    buttons.forEach(function (b) { b.disabled = false; });
  });
}
// The queue (queue.js) comes later in the page: deferred scripts run in
// order, all of them before DOMContentLoaded.
if (window.abri && window.abri.queue) abriCount();
else document.addEventListener('DOMContentLoaded', abriCount);
