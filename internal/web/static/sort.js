// abri sorting mode: sizes follow the chosen product, the product list can
// be filtered by typing, and "Add another box" adds a row in the page.
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

  // fold makes "Sèche-linge" match "seche": case and accents do not count.
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // Each product select keeps its full list; the filter shows a part of it.
  var master = null;
  function groups(select) {
    if (!master) {
      master = [];
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        var opts = Array.prototype.map.call(g.children, function (o) {
          return { v: o.value, r: o.dataset.r, label: o.textContent, key: fold(o.textContent + " " + g.label) };
        });
        master.push({ label: g.label, opts: opts });
      });
    }
    return master;
  }

  function fill(select, query) {
    var all = groups(select); // before the list is emptied
    var keep = select.value;
    var q = fold(query.trim());
    var first = select.options[0];
    select.textContent = "";
    select.appendChild(first);
    var only = null, n = 0;
    all.forEach(function (g) {
      var og = null;
      g.opts.forEach(function (o) {
        if (q && o.key.indexOf(q) < 0) return;
        if (!og) {
          og = document.createElement("optgroup");
          og.label = g.label;
        }
        var opt = new Option(o.label, o.v, false, o.v === keep);
        opt.dataset.r = o.r;
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
      rg.s.forEach(function (s) { size.appendChild(new Option(s, s, false, s === was)); });
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

  var add = document.getElementById("add-row");
  add.type = "button";
  add.addEventListener("click", function () {
    var rows = list.querySelectorAll(".sortrow");
    var last = rows[rows.length - 1];
    var n = rows.length;
    var row = last.cloneNode(true);
    var from = "." + last.dataset.n, fromId = "r" + last.dataset.n + "-";
    row.dataset.n = n;
    row.classList.remove("invalid");
    Array.prototype.forEach.call(row.querySelectorAll("[name],[id],[for],[aria-describedby]"), function (el) {
      if (el.name) el.name = el.name.slice(0, el.name.lastIndexOf(".")) + "." + n;
      ["id", "for", "aria-describedby"].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v && v.indexOf(fromId) === 0) el.setAttribute(a, "r" + n + "-" + v.slice(fromId.length));
      });
    });
    row.querySelector(".rowhead").textContent = form.dataset.tBox.replace("%d", n + 1);
    // The new box keeps the product, size and place of the last one (a bag
    // often holds several boxes' worth of one thing) but not its count,
    // tags or label.
    ["items", "tags", "code"].forEach(function (f) { row.querySelector("[name='" + f + "." + n + "']").value = ""; });
    row.querySelector(".pfilter").value = "";
    fill(row.querySelector(".pselect"), "");
    row.querySelector(".pselect").value = last.querySelector(".pselect").value;
    row.querySelector(".sizef select").value = last.querySelector(".sizef select").value;
    row.querySelector(".qtyf select").value = last.querySelector(".qtyf select").value;
    row.querySelector("[name='location." + n + "']").value = last.querySelector("[name='location" + from + "']").value;
    list.appendChild(row);
    count.value = n + 1;
    wire(row);
    row.querySelector("[name='items." + n + "']").focus();
  });

  Array.prototype.forEach.call(list.querySelectorAll(".sortrow"), function (row) {
    wire(row);
    var select = row.querySelector(".pselect");
    if (select.value) update(row);
  });
})();
