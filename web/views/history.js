import { h } from '../dom.js';

/**
 * The last minutes of a pipeline's lag and throughput, sampled at each refresh (about once a second) and
 * drawn as two small line charts: a line shows a trend (a failover's bump, a catch-up) that a changing
 * number hides. Kept in the page only; a reload starts empty.
 */
const WINDOW_MS = 5 * 60_000;
const SVG = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 48;

export class History {
  constructor() {
    this.samples = [];
  }

  add(at, lagSeconds, outPerSecond) {
    this.samples.push({ at, lag: lagSeconds ?? 0, out: outPerSecond ?? 0 });
    while (this.samples.length > 0 && this.samples[0].at < at - WINDOW_MS) this.samples.shift();
  }
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** One chart: a polyline of `key` over the window, its peak and last value in the caption. */
function chart(label, unit, cls) {
  const line = svg('polyline', { class: `spark-line ${cls}`, fill: 'none', points: '' });
  const plot = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    preserveAspectRatio: 'none',
    class: 'spark',
    role: 'img',
    'aria-label': `${label} over the last 5 minutes`,
  });
  plot.append(line);
  const caption = h('span', { class: 'spark-caption muted' }, `${label}: —`);
  const el = h('figure', { class: 'spark-figure' }, plot, caption);
  return {
    el,
    draw(samples, key, now) {
      const peak = Math.max(1e-9, ...samples.map((s) => s[key]));
      const points = samples
        .map((s) => {
          const x = W - ((now - s.at) / WINDOW_MS) * W;
          const y = H - 2 - (s[key] / peak) * (H - 4);
          return `${x.toFixed(1)},${y.toFixed(1)}`;
        })
        .join(' ');
      line.setAttribute('points', points);
      const last = samples.at(-1)?.[key];
      caption.textContent = `${label}: ${last === undefined ? '—' : last.toFixed(1)} ${unit} (peak ${
        samples.length ? peak.toFixed(1) : '—'
      }, last 5 min)`;
    },
  };
}

/** The two charts of a card: lag (s) and index writes per second. */
export function historyCharts() {
  const lag = chart('Lag', 's', 'spark-lag');
  const out = chart('Out', '/s', 'spark-out');
  const el = h('div', { class: 'spark-row', dataset: { field: 'history' } }, lag.el, out.el);
  return {
    el,
    draw(history) {
      const now = Date.now();
      lag.draw(history.samples, 'lag', now);
      out.draw(history.samples, 'out', now);
    },
  };
}
