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

  function send(btn, n) {
    var d = btn.dataset;
    var payload = { quantity: n };
    if (d.product) payload.product_id = parseInt(d.product, 10);
    if (d.age) payload.age = d.age;
    if (d.gender) payload.gender = d.gender;
    if (d.variant) payload.variant = d.variant;
    // The queue makes the command's id; an undo waits for it.
    var entry = { btn: btn, n: n };
    entry.id = Promise.resolve(q.enqueue({ type: "round." + d.kind, target: target, payload: payload })).then(function (r) {
      return r && (r.id || (typeof r === "string" ? r : ""));
    });
    made.push(entry);
    bump(btn, n);
    qty.value = "1";
    if (navigator.vibrate) navigator.vibrate(30);
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
    if (!last && !undo.dataset.command) return; // a count made without a command: the form takes it back
    e.preventDefault();
    var id = last ? last.id : Promise.resolve(undo.dataset.command);
    id.then(function (cmd) {
      if (cmd) q.enqueue({ type: "round.undo", target: target, payload: { command: cmd } });
    });
    if (last) bump(last.btn, -last.n);
    else undo.dataset.command = "";
  });
})();
