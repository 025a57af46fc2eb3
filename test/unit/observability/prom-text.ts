/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests: every line is a
 * `# HELP`, a `# TYPE` or a sample `name{label="value",…} number`, each sample belongs to a
 * declared metric family, and label values are properly escaped.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  types: Map<string, string>;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes `Nan`).
  if (/^nan$/i.test(raw)) return NaN;
  const value = Number(raw);
  if (raw.trim() === '' || Number.isNaN(value)) throw new Error(`bad sample value ${raw}`);
  return value;
}

/** Parses an exposition. @throws Error naming the first bad line. */
export function parsePrometheusText(text: string): PromText {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const [number, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (!meta) throw new Error(`line ${number + 1}: bad comment ${line}`);
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3])) throw new Error(`line ${number + 1}: bad type ${meta[3]}`);
        types.set(meta[2], meta[3]);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${number + 1}: bad sample ${line}`);
    const labels: Record<string, string> = {};
    let rest = match[3] ?? '';
    while (rest.length > 0) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`line ${number + 1}: bad labels ${match[3]}`);
      labels[label[1]] = label[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice(label[0].length);
    }
    const name = match[1];
    const family = name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(name) && !types.has(family)) throw new Error(`line ${number + 1}: sample ${name} has no # TYPE`);
    samples.push({ name, labels, value: parseValue(match[4]) });
  }
  return { types, samples };
}

/** The value of the sample `name` whose labels include `labels`, or `undefined`. */
export function sampleValue(parsed: PromText, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsed.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}
