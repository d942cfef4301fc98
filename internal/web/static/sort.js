// abri sorting mode: sizes follow the chosen product, the product list can
// be filtered by typing, and "Add another box" adds a row in the page and
// "Remove" takes one away.
// Without this script the form works in two steps ("Show sizes").
(function () {
  "use strict";
  var form = document.getElementById("sort");
  if (!form) return;
  var data = JSON.parse(form.dataset.ranges || "{}");
  var ranges = data.r || {}, units = data.u || [];
  var list = document.getElementById("sortrows");
  var count = document.getElementById("rows");

  Array.prototype.forEach.call(form.querySelectorAll(".nojs"), function (el) { el.hidden = true; });

  // The product filter finds what catalog.SearchProducts finds: each option
  // carries its search key (catalog.SearchKey), the typed words are folded
  // and split as catalog.SearchWords does, and a word matches as in
  // catalog.MatchKey: it starts a word of the key, or is a whole gender word.
  function words(s) {
    return s.normalize("NFD").replace(/\p{Mn}/gu, "").replace(/ى/g, "ي").replace(/ة/g, "ه").toLowerCase()
      .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }
  function matches(key, ws) {
    return ws.every(function (w) { return key.indexOf(" " + w) >= 0 || key.indexOf("|" + w + "|") >= 0; });
  }

  // Each product select keeps its full list; the filter shows a part of it.
  var master = null;
  function groups(select) {
    if (!master) {
      master = [];
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        var opts = Array.prototype.map.call(g.children, function (o) {
          return { v: o.value, r: o.dataset.r, label: o.textContent, key: o.dataset.k || "" };
        });
        master.push({ label: g.label, opts: opts });
      });
    }
    return master;
  }

  function fill(select, query) {
    var all = groups(select); // before the list is emptied
    var keep = select.value;
    var ws = words(query);
    var first = select.options[0];
    select.textContent = "";
    select.appendChild(first);
    var only = null, n = 0;
    all.forEach(function (g) {
      var og = null;
      g.opts.forEach(function (o) {
        if (ws.length && !matches(o.key, ws)) return;
        if (!og) {
          og = document.createElement("optgroup");
          og.label = g.label;
        }
        var opt = new Option(o.label, o.v, false, o.v === keep);
        opt.dataset.r = o.r;
        opt.dataset.k = o.key;
        og.appendChild(opt);
        only = o.v;
        n++;
      });
      if (og) select.appendChild(og);
    });
    if (n === 1 && select.value !== only) {
      select.value = only;
      update(select.closest(".sortrow"));
    }
  }

  // update shows the size list or the quantity of the row's product.
  function update(row) {
    var select = row.querySelector(".pselect");
    var opt = select.options[select.selectedIndex];
    var rg = opt && opt.dataset.r ? ranges[opt.dataset.r] : null;
    var sizeF = row.querySelector(".sizef"), qtyF = row.querySelector(".qtyf");
    var size = sizeF.querySelector("select");
    var was = size.value;
    size.textContent = "";
    if (!rg) {
      size.appendChild(new Option(form.dataset.tChoose, ""));
    } else {
      rg.s.forEach(function (s) { size.appendChild(new Option(s[1], s[0], false, s[0] === was)); });
      if (!rg.s.length) size.appendChild(new Option("—", ""));
    }
    var measured = !!(rg && rg.m);
    sizeF.hidden = measured;
    qtyF.hidden = !measured;
    var qty = qtyF.querySelector("input"), unit = qtyF.querySelector("select");
    if (!measured) {
      qty.value = "";
      return;
    }
    var u = unit.value;
    unit.textContent = "";
    units.forEach(function (x) {
      if (x[1] === rg.m) unit.appendChild(new Option(x[0], x[0], false, x[0] === u));
    });
  }

  function wire(row) {
    var select = row.querySelector(".pselect");
    var filter = row.querySelector(".pfilter");
    filter.hidden = false;
    filter.addEventListener("input", function () { fill(select, filter.value); });
    select.addEventListener("change", function () { update(row); });
  }

  // renumber gives a row the number n: its field names end in .n, its ids
  // start with rn-, its heading says Box n+1.
  function renumber(row, n) {
    var fromId = "r" + row.dataset.n + "-";
    row.dataset.n = n;
    Array.prototype.forEach.call(row.querySelectorAll("[name],[id],[for],[aria-describedby]"), function (el) {
      if (el.name && el.name.lastIndexOf(".") > 0) el.name = el.name.slice(0, el.name.lastIndexOf(".")) + "." + n;
      ["id", "for", "aria-describedby"].forEach(function (a) {
        var v = el.getAttribute(a);
        if (!v) return;
        el.setAttribute(a, v.split(" ").map(function (t) {
          return t.indexOf(fromId) === 0 ? "r" + n + "-" + t.slice(fromId.length) : t;
        }).join(" "));
      });
    });
    var label = form.dataset.tBox.replace("%d", n + 1);
    row.querySelector(".rowhead").textContent = label;
    var rm = row.querySelector(".remove");
    rm.value = n;
    rm.querySelector(".sr").textContent = " " + label;
  }

  function rows() { return list.querySelectorAll(".sortrow"); }

  // A row is removed in the page; the others close up. The last one stays.
  function removable() {
    var all = rows();
    Array.prototype.forEach.call(all, function (r) { r.querySelector(".remove").hidden = all.length < 2; });
  }

  var add = document.getElementById("add-row");
  add.type = "button";
  add.addEventListener("click", function () {
    var all = rows();
    var last = all[all.length - 1];
    var n = all.length;
    var row = last.cloneNode(true);
    // A copy of a refused row is not refused.
    row.classList.remove("invalid");
    Array.prototype.forEach.call(row.querySelectorAll(".fielderror"), function (el) { el.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("autofocus");
      var d = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (t) { return t && !/-err$/.test(t); });
      if (d.length) el.setAttribute("aria-describedby", d.join(" ")); else el.removeAttribute("aria-describedby");
    });
    renumber(row, n);
    // The new box keeps the product, size and place of the last one (a bag
    // often holds several boxes' worth of one thing) but not its count,
    // tags or label; left as it is, it makes no box.
    ["items", "tags", "code", "quantity"].forEach(function (f) { row.querySelector("[name='" + f + "." + n + "']").value = ""; });
    row.querySelector(".pfilter").value = "";
    fill(row.querySelector(".pselect"), "");
    row.querySelector(".pselect").value = last.querySelector(".pselect").value;
    row.querySelector(".sizef select").value = last.querySelector(".sizef select").value;
    row.querySelector(".qtyf select").value = last.querySelector(".qtyf select").value;
    row.querySelector("[name='location." + n + "']").value = last.querySelector("[name^='location.']").value;
    list.appendChild(row);
    count.value = n + 1;
    wire(row);
    removable();
    row.querySelector("[name='items." + n + "']").focus();
  });

  list.addEventListener("click", function (e) {
    var rm = e.target.closest(".remove");
    if (!rm) return;
    e.preventDefault();
    var row = rm.closest(".sortrow");
    if (rows().length < 2) return;
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    Array.prototype.forEach.call(rows(), function (r, i) { renumber(r, i); });
    count.value = rows().length;
    removable();
    next.querySelector(".pselect").focus();
  });
  removable();

  Array.prototype.forEach.call(list.querySelectorAll(".sortrow"), function (row) {
    wire(row);
    var select = row.querySelector(".pselect");
    if (select.value) update(row);
  });
})();
