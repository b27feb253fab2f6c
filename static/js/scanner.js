// Scanner pages: keep the scan field focused (a barcode scanner types into it and presses Enter),
// and make a refused scan impossible to miss: a low double beep and a vibration on top of the red box.
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

  function react(root) {
    var box = root.querySelector("[data-feedback]");
    if (box) {
      if (box.getAttribute("data-feedback") === "error") {
        tone(220, 180, 0);
        tone(180, 260, 0.22);
        if (navigator.vibrate) navigator.vibrate([200, 80, 200]);
      } else {
        tone(1320, 70, 0);
      }
    }
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
