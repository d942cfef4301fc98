// abri tally screen: each tap is a command in the device's queue
// (abri.queue, which keeps it until the server has acknowledged it), so
// counting goes on with no network. One tap adds one, or the number in
// "how many"; a long press asks for a number; undo takes back the last
// count made here (or, after a reload, the last one the server holds).
// Without this script, or without the queue, each button posts its form.
(function () {
  "use strict";
  var root = document.getElementById("tally");
  var q = window.abri && window.abri.queue;
  if (!root || !q || typeof q.enqueue !== "function") return;
  var qty = document.getElementById("tally-quantity");
  var undo = document.getElementById("tally-undo");
  var target = root.dataset.target;
  var made = []; // the counts made on this screen, newest last

  // number reads a count typed with Western or Arabic-Indic digits.
  function number(s) {
    s = String(s || "").replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); })
      .replace(/[\u06f0-\u06f9]/g, function (d) { return String(d.charCodeAt(0) - 0x06f0); }).trim();
    var n = parseInt(s, 10);
    return n > 0 && n <= 10000 ? n : 0;
  }

  function bump(btn, n) {
    var c = btn.querySelector(".count");
    c.textContent = String((parseInt(c.textContent, 10) || 0) + n);
  }

  function newID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function send(btn, n) {
    var d = btn.dataset;
    var payload = { quantity: n };
    if (d.product) payload.product_id = parseInt(d.product, 10);
    if (d.age) payload.age = d.age;
    if (d.gender) payload.gender = d.gender;
    if (d.variant) payload.variant = d.variant;
    var entry = { btn: btn, n: n, id: newID() };
    made.push(entry);
    bump(btn, n);
    qty.value = "1";
    if (navigator.vibrate) navigator.vibrate(30);
    Promise.resolve(q.enqueue({ id: entry.id, type: "round." + d.kind, target: target, payload: payload })).then(function (r) {
      var id = r && (r.id || (typeof r === "string" ? r : ""));
      if (id) entry.id = id;
    });
  }

  Array.prototype.forEach.call(root.querySelectorAll("button[data-kind]"), function (btn) {
    var timer = null, long = false;
    btn.addEventListener("pointerdown", function () {
      long = false;
      timer = setTimeout(function () {
        long = true;
        var n = number(window.prompt(root.dataset.tMany, qty.value));
        if (n) send(btn, n);
      }, 600);
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (ev) {
      btn.addEventListener(ev, function () { clearTimeout(timer); });
    });
    btn.addEventListener("contextmenu", function (e) { e.preventDefault(); });
    btn.addEventListener("click", function (e) {
      e.preventDefault();
      if (long) { long = false; return; }
      send(btn, number(qty.value) || 1);
    });
  });

  undo.addEventListener("click", function (e) {
    var last = made.pop();
    var id = last ? last.id : undo.dataset.command;
    if (!id) return; // a count made without a command: the form takes it back
    e.preventDefault();
    q.enqueue({ id: newID(), type: "round.undo", target: target, payload: { command: id } });
    if (last) bump(last.btn, -last.n);
    else undo.dataset.command = "";
  });
})();
