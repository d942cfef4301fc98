// abri scan page: the camera reads box labels (QR codes); in multi-scan mode
// the codes go into a list where each is checked with the server. Without
// this script the page still works: a code typed by hand, or a textarea of
// codes. No build step: plain browser JavaScript.
(function () {
  "use strict";
  var cam = document.getElementById("camera");
  if (!cam) return;
  var t = cam.dataset;
  var multi = t.multi === "1";
  var note = document.getElementById("cam-status");
  function status(s) { note.textContent = s; }

  // ---- The list of codes (multi-scan mode) ----
  var form = document.getElementById("bulk");
  var list = document.getElementById("scanned");
  var area = document.getElementById("codes");
  var count = document.getElementById("scanned-count");
  var codes = [];

  // canon reads a code as the server does: the part after /b/ in a label's
  // URL, without spaces or dashes, in capitals. The server checks the rest.
  function canon(s) {
    s = String(s).trim();
    var i = s.lastIndexOf("/b/");
    if (i >= 0) s = s.slice(i + 3).split(/[?#\/]/)[0];
    return s.replace(/[\s-]/g, "").toUpperCase();
  }

  function sync() {
    area.value = codes.join("\n");
    count.hidden = codes.length === 0;
    count.textContent = t.tCount.replace("%d", codes.length);
  }

  function add(raw) {
    var code = canon(raw);
    if (!code) return;
    if (codes.indexOf(code) >= 0) {
      status(t.tTwice);
      return;
    }
    codes.push(code);
    var li = document.createElement("li");
    var c = document.createElement("code");
    c.dir = "ltr";
    // Until the server answers, the code as read; then grouped as the
    // server groups it (stock.FormatCode), the same as on labels.
    c.textContent = code;
    var what = document.createElement("span");
    what.className = "meta";
    what.textContent = t.tChecking;
    var rm = document.createElement("button");
    rm.type = "button";
    rm.className = "small quiet";
    rm.textContent = t.tRemove;
    rm.setAttribute("aria-label", t.tRemove + " " + code);
    rm.addEventListener("click", function () {
      codes.splice(codes.indexOf(code), 1);
      li.remove();
      sync();
    });
    li.append(c, " ", what, rm);
    list.prepend(li);
    list.hidden = false;
    sync();
    fetch("/stock/check?code=" + encodeURIComponent(code), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.shown) c.textContent = j.shown;
        what.textContent = j.text;
        li.className = j.ok ? "ok" : "bad";
      })
      .catch(function () { what.textContent = t.tFailed; });
  }

  if (multi && form) {
    document.getElementById("add-field").hidden = false;
    document.getElementById("codes-field").hidden = true;
    var input = document.getElementById("add-code");
    var take = function () {
      add(input.value);
      input.value = "";
      input.focus();
    };
    document.getElementById("add-button").addEventListener("click", take);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        take();
      }
    });
    area.value.split(/[\n,;]+/).forEach(function (s) { if (s.trim()) add(s); });
    form.addEventListener("submit", function () {
      if (input.value.trim()) add(input.value);
      sync();
    });
  }

  // ---- The camera ----
  var media = navigator.mediaDevices;
  if (!media || !media.getUserMedia) return; // no camera here: typing still works
  cam.hidden = false;
  var toggle = document.getElementById("cam-toggle");
  var video = document.getElementById("cam-video");
  var finder = video.parentNode;
  var stream = null, detector = null, canvas = null, timer = 0, last = "", lastAt = 0;

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = t.decoder;
      s.onload = ok;
      s.onerror = fail;
      document.head.appendChild(s);
    });
  }

  function chooseDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (f) {
        if (f.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        else return loadDecoder();
      }, loadDecoder);
    }
    return loadDecoder();
  }

  // read returns the text of a QR code in the current frame, or "".
  function read() {
    if (detector) {
      return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : ""; });
    }
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return Promise.resolve("");
    var scale = Math.min(1, 640 / Math.max(w, h)); // small frames: cheap phones
    canvas = canvas || document.createElement("canvas");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    var g = canvas.getContext("2d", { willReadFrequently: true });
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    var img = g.getImageData(0, 0, canvas.width, canvas.height);
    var r = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(r ? r.data : "");
  }

  function tick() {
    if (!stream) return;
    read().then(function (text) {
      if (!stream || !text) return;
      var now = Date.now();
      if (text === last && now - lastAt < 2500) return; // the same label still in view
      last = text;
      lastAt = now;
      if (navigator.vibrate) navigator.vibrate(60);
      if (multi) {
        add(text);
      } else if (t.fill) {
        // A page with its own form for the code (packing a round): put
        // the code there and send it.
        stop();
        var f = document.getElementById(t.fill);
        f.elements.code.value = text;
        f.submit();
      } else {
        stop();
        window.location.assign("/scan?code=" + encodeURIComponent(text));
      }
    }).catch(function () {}).then(function () {
      if (stream) timer = setTimeout(tick, 200);
    });
  }

  function start() {
    toggle.disabled = true;
    chooseDecoder()
      .then(function () { return media.getUserMedia({ video: { facingMode: "environment" }, audio: false }); })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        finder.hidden = false;
        return video.play();
      })
      .then(function () {
        toggle.textContent = t.tStop;
        status(t.tLooking);
        tick();
      })
      .catch(function () {
        stop();
        status(t.tDenied);
      })
      .then(function () { toggle.disabled = false; });
  }

  function stop() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
    stream = null;
    video.srcObject = null;
    finder.hidden = true;
    toggle.textContent = t.tStart;
    status("");
  }

  toggle.addEventListener("click", function () { if (stream) stop(); else start(); });
  // The camera is off whenever the page is not in front.
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
  window.addEventListener("pagehide", stop);
})();
