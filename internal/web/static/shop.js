// The shop's card screen. A checkout is checked here first against what the
// card may take (the shares the server drew), so a second share the same
// day is refused at once, naming the rule and the day it allows again, with
// or without a network. Then it goes to the server; when the network is
// away it goes into the offline queue (queue.js) as a shop.checkout command
// naming the card by the reference the page carries (never its code, nor
// its id: a sealed reference, different on every page), and the shares shown here go down.
// Once synced, a checkout a rule refuses then (two shops, one card) becomes
// a review item for a coordinator. The post and the queued command carry
// one command id, so a checkout whose answer was lost, sent again by the
// queue, is answered again and takes nothing more. Without this script the
// form posts and the server answers with the page.
function abriShop() {
  'use strict';
  var box = document.getElementById('shop-card');
  var form = document.getElementById('checkout');
  if (!box || !form || !window.fetch) return;
  var said = box.querySelector('[data-shop-said]');
  var shares = Array.prototype.slice.call(box.querySelectorAll('[data-rule]'));

  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return s.replace(/%[ds]/g, function () { return String(args[i++]); });
  }
  function say(text, cls) {
    said.textContent = text;
    said.className = cls;
    said.setAttribute('role', cls === 'error' ? 'alert' : 'status');
  }
  function covers(li, product, category) {
    var p = li.dataset.product, c = li.dataset.category;
    if (p !== '0') return p === product;
    if (c !== '0') return c === category;
    return true;
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var sel = form.elements.product;
    var opt = sel.options[sel.selectedIndex];
    var qty = parseInt(form.elements.quantity.value, 10);
    if (!sel.value || !(qty > 0)) { say(box.dataset.tChoose, 'error'); return; }
    var category = opt.dataset.category;
    var override = form.elements.override ? form.elements.override.value.trim() : '';
    var hit = [];
    for (var i = 0; i < shares.length; i++) {
      var li = shares[i];
      if (!covers(li, sel.value, category)) continue;
      hit.push(li);
      var left = parseInt(li.dataset.left, 10);
      if (qty > left && !override) {
        var day = li.dataset.taken ? li.dataset.again : (li.dataset.next || li.dataset.again);
        say(fmt(box.dataset.tRefused, li.dataset.text, day), 'error');
        return;
      }
    }
    // The command this checkout becomes if the answer is lost: its id and
    // clock go with the post, so the server applies it once either way.
    var q = window.abri && window.abri.queue;
    var sent = q && q.newCommand ? q.newCommand() : null;
    var body = new URLSearchParams(new FormData(form));
    if (sent) { body.set('command_id', sent.id); body.set('made_at', sent.made_at); body.set('card_ref', box.dataset.cardRef); }
    var taken = function () {
      hit.forEach(function (li) {
        var left = Math.max(0, parseInt(li.dataset.left, 10) - qty);
        li.dataset.left = String(left);
        var texts = (li.dataset.leftTexts || '').split('\n');
        if (texts[left]) li.querySelector('[data-left-text]').textContent = texts[left];
        li.dataset.taken = '1';
        if (left === 0) {
          li.classList.add('off');
          li.querySelector('[data-next-text]').textContent = fmt(box.dataset.tNext, li.dataset.again);
        }
      });
    };
    fetch('/shop/checkout', {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { 'Accept': 'application/json' }
    }).then(function (res) {
      return res.json().then(function (j) {
        if (!j || !j.message) throw new Error('no answer');
        if (!j.ok) { say(j.message, 'error'); return; }
        taken();
        (j.shares || []).forEach(function (s) {
          var li = box.querySelector('[data-rule="' + s.rule_id + '"]');
          if (!li) return;
          li.dataset.left = String(s.left);
          li.dataset.next = s.next;
          li.querySelector('[data-left-text]').textContent = s.left_text;
        });
        say(j.message, 'flash');
      });
    }).catch(function () {
      // No network (or no answer): keep it on the phone, by the card's id.
      if (!q || !sent) { say(box.dataset.tChoose, 'error'); return; }
      var payload = { card: box.dataset.cardRef, lines: [{ product_id: parseInt(sel.value, 10), quantity: qty }] };
      if (override) payload.override = override;
      q.enqueue({ id: sent.id, made_at: sent.made_at, type: 'shop.checkout', target: 'shop', payload: payload });
      taken();
      say(fmt(box.dataset.tQueued, qty, opt.textContent.replace(/\s*\(\d+\)$/, '')), 'flash');
    });
  });
}
if (window.abri && window.abri.queue) abriShop();
else document.addEventListener('DOMContentLoaded', abriShop);
