// A refusal must be heard as well as seen: three low beeps.
try {
  const ctx = new (window.AudioContext || window.webkitAudioContext)();
  [0, 0.25, 0.5].forEach((t) => {
    const osc = ctx.createOscillator(); const gain = ctx.createGain();
    osc.type = "square"; osc.frequency.value = 220; gain.gain.value = 0.2;
    osc.connect(gain); gain.connect(ctx.destination);
    osc.start(ctx.currentTime + t); osc.stop(ctx.currentTime + t + 0.18);
  });
} catch (e) { /* no audio device */ }
