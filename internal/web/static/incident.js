// The incident form offline: the whole form becomes one "incident.report"
// command in the offline queue (queue.js), targeting its site, so a monitor
// can log an eviction with no network; the queue sends it once the phone is
// back online and the server applies it exactly once. Times are sent as
// RFC 3339 with the phone's offset. Without the queue the form posts.
function abriIncident() {
  'use strict';
  var form = document.getElementById('incident-form');
  if (!form || !window.abri || !window.abri.queue) return;
  var q = window.abri.queue;
  var said = form.querySelector('[data-incident-said]');

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
      var f = c.name.slice(6);
      var v = num('vehicles_' + f), o = num('officers_' + f);
      if (c.checked || v || o) p.forces.push({ force: f, vehicles: v, officers: o });
    });
    for (var i = 0; form.elements['product_' + i]; i++) {
      var prod = val('product_' + i);
      if (!prod) continue;
      p.items.push({ product_id: parseInt(prod, 10), seized: num('seized_' + i), destroyed: num('destroyed_' + i), recovered: num('recovered_' + i) });
    }
    q.enqueue({ type: 'incident.report', target: 'site:' + val('site'), payload: p }).then(function () {
      form.reset();
      said.textContent = form.dataset.tQueued;
    });
  });
}
if (window.abri && window.abri.queue) abriIncident();
else document.addEventListener('DOMContentLoaded', abriIncident);
