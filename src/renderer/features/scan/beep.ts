/** Short per-result tones made with WebAudio (no sound files), so an auditor hears each scan's outcome without looking. */
export type BeepKind = 'found' | 'duplicate' | 'unexpected' | 'unknown' | 'error';

interface Tone {
  freq: number;
  ms: number;
  type: OscillatorType;
}

const TONES: Record<BeepKind, Tone[]> = {
  found: [{ freq: 1320, ms: 70, type: 'sine' }],
  duplicate: [
    { freq: 880, ms: 50, type: 'sine' },
    { freq: 880, ms: 50, type: 'sine' },
  ],
  unexpected: [
    { freq: 660, ms: 90, type: 'triangle' },
    { freq: 990, ms: 90, type: 'triangle' },
  ],
  unknown: [{ freq: 220, ms: 260, type: 'square' }],
  error: [{ freq: 160, ms: 320, type: 'sawtooth' }],
};

let ctx: AudioContext | null = null;
let muted = false;

export function setMuted(value: boolean): void {
  muted = value;
}

export function isMuted(): boolean {
  return muted;
}

/** Plays the tone for a result; silently does nothing where audio is unavailable or blocked. */
export function beep(kind: BeepKind): void {
  if (muted) return;
  try {
    const Ctor = window.AudioContext;
    if (!Ctor) return;
    ctx ??= new Ctor();
    if (ctx.state === 'suspended') void ctx.resume();
    let t = ctx.currentTime;
    for (const tone of TONES[kind]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = tone.type;
      osc.frequency.value = tone.freq;
      // A fast attack and release avoids the click of a square edge.
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + tone.ms / 1000);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + tone.ms / 1000 + 0.02);
      t += tone.ms / 1000 + 0.04;
    }
  } catch {
    // Sound is a convenience: never let it break a scan.
  }
}
