/**
 * Server-side rendering of a loss curve as a standalone SVG document: pure string building, no
 * browser, no canvas, no dependencies, so `curl …/loss.svg > loss.svg` gives a file any viewer,
 * browser or word processor shows.
 */
import { downsampleMinMax } from './downsample.js';

/** One epoch of a curve, as the metrics store returns it. */
export interface LossSvgPoint {
  epoch: number;
  /** Absent on the marker of the epoch where training diverged. */
  loss?: number;
  valLoss?: number | null;
  /** `true` on the epoch where the loss became NaN/Inf: drawn as a labelled vertical line. */
  diverged?: boolean;
}

/** What {@link renderLossSvg} draws. */
export interface LossSvgOptions {
  /** The chart title (the job name); escaped, and cut to 120 characters. */
  title: string;
  /** A second line under the title, e.g. `running · epoch 12 of 500`. */
  subtitle?: string;
  /** The curve, oldest first. */
  points: readonly LossSvgPoint[];
  /** A logarithmic loss axis; non-positive losses cannot be drawn on it and are left out. @defaultValue false */
  logY?: boolean;
  /** Width in px. @defaultValue 800 */
  width?: number;
  /** Height in px. @defaultValue 450 */
  height?: number;
  /** Longer series are reduced with {@link downsampleMinMax}. @defaultValue 1000 */
  maxPoints?: number;
}

const COLORS = { loss: '#1f77b4', valLoss: '#d62728' } as const;
const MARGIN = { top: 64, right: 24, bottom: 56, left: 76 } as const;
const TITLE_MAX_CHARS = 120;

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[char]};`);
}

/** Removes characters XML 1.0 forbids even when escaped (C0 controls other than tab, LF, CR; lone surrogates). */
function stripInvalidXmlChars(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

function safeText(text: string, maxChars: number): string {
  const clean = stripInvalidXmlChars(text);
  const chars = Array.from(clean);
  const cut = chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : clean;
  return escapeXml(cut);
}

/**
 * "Nice" tick values (1, 2 or 5 × 10ⁿ apart) covering `[min, max]` with about `count` ticks.
 * @param integer only whole-number steps (epochs).
 */
export function niceTicks(min: number, max: number, count = 6, integer = false): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  let step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * power;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let value = first; value <= max + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis over `[10^lo, 10^hi]`: each decade, or 1-2-5 within a short range. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const decades = Math.ceil(hi) - Math.floor(lo);
  const mantissas = decades <= 2 ? [1, 2, 5] : [1];
  const stride = Math.max(1, Math.ceil(decades / 8));
  for (let exponent = Math.floor(lo); exponent <= Math.ceil(hi); exponent += 1) {
    if ((exponent - Math.floor(lo)) % stride !== 0) continue;
    for (const mantissa of mantissas) {
      const value = mantissa * 10 ** exponent;
      const position = Math.log10(value);
      if (position >= lo - 1e-9 && position <= hi + 1e-9) ticks.push(Number(value.toPrecision(12)));
    }
  }
  return ticks;
}

/** A compact tick label: fixed decimals matching the step, exponent form for very large or small values. */
export function formatTick(value: number, step = 0): string {
  if (value === 0) return step > 0 && step < 1 ? (0).toFixed(Math.min(8, -Math.floor(Math.log10(step) + 1e-9))) : '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return Number(value.toPrecision(3)).toExponential().replace('e+', 'e');
  if (step > 0) {
    const decimals = Math.min(8, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
    return value.toFixed(decimals);
  }
  return String(Number(value.toPrecision(3)));
}

const round2 = (value: number): string => String(Math.round(value * 100) / 100);

interface Series {
  key: 'loss' | 'valLoss';
  label: string;
  points: { epoch: number; value: number }[];
}

/** Where the plot area is and how epochs and losses map into it. */
interface Scale {
  plot: { x: number; y: number; w: number; h: number };
  xTicks: number[];
  yTicks: number[];
  /** Step between linear y ticks (0 on a log axis), for their labels' precision. */
  yStep: number;
  toX(epoch: number): number;
  toY(value: number): number;
}

/** The drawable points of each series, each downsampled on its own key so both keep their extremes. */
function buildSeries(points: LossSvgOptions['points'], logY: boolean, maxPoints: number): Series[] {
  const drawable = (value: number | null | undefined): value is number =>
    typeof value === 'number' && Number.isFinite(value) && (!logY || value > 0);
  return (['loss', 'valLoss'] as const)
    .map((key) => {
      const raw = points.filter((point) => drawable(point[key]));
      const kept = downsampleMinMax(raw, maxPoints, [key]);
      return {
        key,
        label: key === 'loss' ? 'training loss' : 'validation loss',
        points: kept.map((point) => ({ epoch: point.epoch, value: point[key] as number })),
      };
    })
    .filter((entry) => entry.key === 'loss' || entry.points.length > 0);
}

/** The loss axis: its padded range and ticks, linear or log10. */
function lossAxis(values: number[], logY: boolean): { yLo: number; yHi: number; yTicks: number[]; yStep: number } {
  const empty = values.length === 0;
  let yLo: number;
  let yHi: number;
  if (logY) {
    const logs = values.map((value) => Math.log10(value));
    yLo = empty ? -2 : Math.min(...logs);
    yHi = empty ? 0 : Math.max(...logs);
    if (yHi - yLo < 1e-9) { yLo -= 0.5; yHi += 0.5; }
    const pad = (yHi - yLo) * 0.05;
    yLo -= pad;
    yHi += pad;
    return { yLo, yHi, yTicks: logTicks(yLo, yHi), yStep: 0 };
  }
  yLo = empty ? 0 : Math.min(...values);
  yHi = empty ? 1 : Math.max(...values);
  if (yHi - yLo < 1e-12) { const spread = Math.abs(yHi) * 0.1 || 1; yLo -= spread; yHi += spread; }
  const pad = (yHi - yLo) * 0.05;
  // Losses are non-negative: keep the axis from dipping below zero only because of padding.
  yLo = yLo >= 0 ? Math.max(0, yLo - pad) : yLo - pad;
  yHi += pad;
  const yTicks = niceTicks(yLo, yHi, 6);
  return { yLo, yHi, yTicks, yStep: yTicks.length > 1 ? yTicks[1] - yTicks[0] : 0 };
}

function createScale(width: number, height: number, series: Series[], divergedAt: number | undefined, logY: boolean): Scale {
  const plot = { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const all = series.flatMap((entry) => entry.points);
  const epochs = all.map((point) => point.epoch).concat(divergedAt === undefined ? [] : [divergedAt]);
  let xMin = epochs.length === 0 ? 0 : Math.min(...epochs);
  let xMax = epochs.length === 0 ? 1 : Math.max(...epochs);
  if (xMax === xMin) { xMin = Math.max(0, xMin - 1); xMax += 1; }
  const { yLo, yHi, yTicks, yStep } = lossAxis(all.map((point) => point.value), logY);
  return {
    plot,
    xTicks: niceTicks(xMin, xMax, 8, true),
    yTicks,
    yStep,
    toX: (epoch) => plot.x + ((epoch - xMin) / (xMax - xMin)) * plot.w,
    toY: (value) => plot.y + plot.h - (((logY ? Math.log10(value) : value) - yLo) / (yHi - yLo)) * plot.h,
  };
}

/** Grid, axes, tick marks and their labels, and the axis titles. */
function drawFrame(out: string[], scale: Scale, height: number, logY: boolean): void {
  const { plot, xTicks, yTicks, toX, toY } = scale;
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const tick of yTicks) out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${round2(toY(tick))}" y2="${round2(toY(tick))}"/>`);
  for (const tick of xTicks) out.push(`<line x1="${round2(toX(tick))}" x2="${round2(toX(tick))}" y1="${plot.y}" y2="${plot.y + plot.h}"/>`);
  out.push('</g>');

  out.push('<g class="axes" stroke="#333" stroke-width="1" fill="none">');
  out.push(`<line x1="${plot.x}" x2="${plot.x}" y1="${plot.y}" y2="${plot.y + plot.h}"/>`);
  out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h}"/>`);
  out.push('</g>');

  out.push('<g class="x-ticks" fill="#333" text-anchor="middle">');
  for (const tick of xTicks) {
    const x = round2(toX(tick));
    out.push(`<line x1="${x}" x2="${x}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${plot.y + plot.h + 19}">${formatTick(tick, 1)}</text>`);
  }
  out.push('</g>');
  out.push('<g class="y-ticks" fill="#333" text-anchor="end">');
  for (const tick of yTicks) {
    const y = round2(toY(tick));
    out.push(`<line x1="${plot.x - 5}" x2="${plot.x}" y1="${y}" y2="${y}" stroke="#333"/>`);
    out.push(`<text x="${plot.x - 8}" y="${y}" dy="0.32em">${formatTick(tick, scale.yStep)}</text>`);
  }
  out.push('</g>');

  out.push(`<text class="x-label" x="${plot.x + plot.w / 2}" y="${height - 14}" text-anchor="middle" fill="#333">epoch</text>`);
  out.push(`<text class="y-label" transform="translate(18 ${plot.y + plot.h / 2}) rotate(-90)" text-anchor="middle" fill="#333">${logY ? 'loss (log scale)' : 'loss'}</text>`);
}

/** The series' polylines, the divergence marker and the legend. */
function drawSeries(out: string[], scale: Scale, series: Series[], divergedAt: number | undefined): void {
  const { plot, toX, toY } = scale;
  if (series.every((entry) => entry.points.length === 0)) {
    out.push(`<text class="empty" x="${plot.x + plot.w / 2}" y="${plot.y + plot.h / 2}" text-anchor="middle" fill="#777" font-size="14">no points yet</text>`);
  }
  for (const entry of series) {
    if (entry.points.length === 0) continue;
    const coordinates = entry.points.map((point) => `${round2(toX(point.epoch))},${round2(toY(point.value))}`).join(' ');
    out.push(`<polyline class="series-${entry.key}" fill="none" stroke="${COLORS[entry.key]}" stroke-width="1.5" stroke-linejoin="round" points="${coordinates}"/>`);
  }

  if (divergedAt !== undefined) {
    const x = round2(toX(divergedAt));
    out.push(`<g class="diverged" stroke="#b42318" fill="#b42318"><line x1="${x}" x2="${x}" y1="${plot.y}" y2="${plot.y + plot.h}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x}" y="${plot.y + 14}" dx="-4" text-anchor="end" stroke="none">diverged at epoch ${divergedAt}</text></g>`);
  }

  const legend = series.filter((entry) => entry.points.length > 0 || entry.key === 'loss');
  const legendWidth = 130;
  const legendX = plot.x + plot.w - legendWidth - 8;
  out.push(`<g class="legend" transform="translate(${legendX} ${plot.y + 8})">`);
  out.push(`<rect width="${legendWidth}" height="${8 + 18 * legend.length}" fill="#ffffff" fill-opacity="0.85" stroke="#ccc"/>`);
  legend.forEach((entry, index) => {
    const y = 16 + 18 * index;
    out.push(`<line x1="8" x2="30" y1="${y}" y2="${y}" stroke="${COLORS[entry.key]}" stroke-width="2"/>`);
    out.push(`<text x="36" y="${y}" dy="0.32em" fill="#333">${entry.label}</text>`);
  });
  out.push('</g>');
}

/**
 * Renders the training and validation loss by epoch as an SVG document: a title (the job name),
 * axes with ticks and labels, one `<polyline>` per series (class `series-loss` /
 * `series-valLoss`, one `x,y` pair per kept point), a legend, and a linear or log loss axis.
 * Series longer than `maxPoints` are reduced with min/max buckets so spikes stay visible.
 * @returns the SVG document, starting with the XML declaration.
 */
export function renderLossSvg(options: LossSvgOptions): string {
  const width = options.width ?? 800;
  const height = options.height ?? 450;
  const logY = options.logY ?? false;
  const series = buildSeries(options.points, logY, options.maxPoints ?? 1000);
  const divergedAt = options.points.find((point) => point.diverged === true)?.epoch;
  const scale = createScale(width, height, series, divergedAt, logY);

  const out: string[] = [];
  const title = safeText(options.title || 'untitled job', TITLE_MAX_CHARS);
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${title}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text class="title" x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600" fill="#111">${title}</text>`);
  if (options.subtitle) out.push(`<text class="subtitle" x="${width / 2}" y="44" text-anchor="middle" fill="#555">${safeText(options.subtitle, TITLE_MAX_CHARS)}</text>`);
  drawFrame(out, scale, height, logY);
  drawSeries(out, scale, series, divergedAt);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
