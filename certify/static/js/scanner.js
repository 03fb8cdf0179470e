// Camera scanning of QR tickets on the check-in page (templates/attendance/_scanner.html).
// The browser's own BarcodeDetector when it has one (Chrome on Android), else jsQR, vendored
// under static/vendor and loaded only then. Each ticket read is posted to the JSON check-in
// endpoint; the answer is shown big. Texts and addresses come from the section's data-*.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var video = document.getElementById("scanner-video");
  var result = document.getElementById("scan-result");
  var startButton = document.getElementById("scanner-start");
  var stopButton = document.getElementById("scanner-stop");
  var canvas = document.createElement("canvas");
  var stream = null, detector = null, busy = false, lastToken = null, lastAt = 0;
  var REPEAT_AFTER_MS = 4000;  // the same ticket held in front of the camera is sent once

  function show(kind, text) {
    result.className = "scan-result " + kind;
    result.textContent = text;
    result.hidden = false;
  }

  function submitToken(token) {
    return fetch(root.dataset.endpoint, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify({token: token})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          show(body.outcome === "already_checked_in" ? "warn" : "ok", body.message);
          if (navigator.vibrate) { navigator.vibrate(body.outcome === "checked_in" ? 80 : [60, 60, 60]); }
        } else {
          show("bad", body.message || root.dataset.networkError);
          if (navigator.vibrate) { navigator.vibrate([200]); }
        }
        return body;
      });
    }, function () { show("bad", root.dataset.networkError); return {}; });
  }

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root.dataset.jsqr;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({formats: ["qr_code"]}) : null;
    }).catch(function () { return null; });
  }

  function readFrame() {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    // jsQR reads pixels: a frame scaled to at most 640 px wide is plenty and fast on phones.
    var scale = Math.min(1, 640 / (video.videoWidth || 640));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    var context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
    return Promise.resolve(code ? code.data : null);
  }

  function tick() {
    if (!stream) { return; }
    if (busy || video.readyState < 2) { window.setTimeout(tick, 150); return; }
    busy = true;
    readFrame().then(function (token) {
      var now = Date.now();
      if (token && (token !== lastToken || now - lastAt > REPEAT_AFTER_MS)) {
        lastToken = token; lastAt = now;
        return submitToken(token);
      }
    }).catch(function () { /* an unreadable frame: try the next one */ })
      .then(function () { busy = false; window.setTimeout(tick, 150); });
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraUnavailable(root.dataset.noCamera);
      return;
    }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play().then(makeDetector).then(function (found) {
          detector = found;
          return detector ? null : loadJsQR();
        }).then(tick);
      })
      .catch(function () { stop(); cameraUnavailable(root.dataset.cameraRefused); });
  }

  // No camera is an ordinary situation at a door, not an error: say so calmly and hand over
  // to the search by name.
  function cameraUnavailable(text) {
    show("info", text);
    var search = document.getElementById("q");
    if (search) { search.focus(); }
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  // The same path a scanned code takes, for a code read some other way (and for tests).
  window.certifyCheckIn = {submitToken: submitToken};
})();
