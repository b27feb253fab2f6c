// Scanner pages: keep the scan field focused (a barcode scanner types into it and presses Enter),
// and make a refused scan impossible to miss: a low double beep and a vibration on top of the red box.
// The last sound played is left on <html data-scan-sound> for tests.
(function () {
  "use strict";
  var audio = null;

  function tone(freq, ms, when) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = freq;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      var start = audio.currentTime + (when || 0);
      osc.start(start);
      osc.stop(start + ms / 1000);
    } catch (e) { /* no audio: the page still shows the message */ }
  }

  // Every scanning page (picking, sorting, packing, the returns desk, receiving, counts) loads this file. A page
  // marks its outcome with data-feedback="error" | "ok" | "done"; pages that report through Django's messages or
  // form errors are heard too: an error message or a field error is a refusal.
  function outcome(root) {
    var box = root.querySelector("[data-feedback]");
    if (box) return box.getAttribute("data-feedback");
    if (root.querySelector(".message-error, .errorlist, .refusal")) return "error";
    if (root.querySelector(".message-success")) return "ok";
    return "";
  }

  function react(root) {
    var kind = outcome(root);
    if (kind === "error") {
      tone(220, 180, 0);
      tone(180, 260, 0.22);
      if (navigator.vibrate) navigator.vibrate([200, 80, 200]);
    } else if (kind === "done") {
      // A finished list or order: a rising three-note chime, unlike any single-scan sound.
      tone(880, 110, 0);
      tone(1175, 110, 0.13);
      tone(1760, 220, 0.26);
      if (navigator.vibrate) navigator.vibrate(60);
    } else if (kind === "ok") {
      tone(1320, 70, 0);
    }
    document.documentElement.setAttribute("data-scan-sound", kind || "none");
    var input = root.querySelector("[data-scan-input]");
    if (input) { input.value = ""; input.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { react(document); });
  document.addEventListener("htmx:afterSwap", function (event) { react(event.detail.target.ownerDocument); });
  // A tap anywhere that is not a control brings the focus back to the scan field.
  document.addEventListener("click", function (event) {
    if (event.target.closest("input, button, select, textarea, summary, a, label")) return;
    var input = document.querySelector("[data-scan-input]");
    if (input) input.focus();
  });
})();
