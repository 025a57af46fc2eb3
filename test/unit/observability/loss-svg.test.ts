import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks, renderLossSvg } from '../../../src/api/observability/loss-svg.js';
import { findAll, parseXml, type XmlElement } from './xml.js';

function polyline(svg: XmlElement, key: 'loss' | 'valLoss'): [number, number][] | undefined {
  const element = findAll(svg, 'polyline').find((line) => line.attributes.class === `series-${key}`);
  return element?.attributes.points.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

describe('renderLossSvg', () => {
  it('renders a well-formed SVG with one polyline point per epoch', () => {
    const points = Array.from({ length: 50 }, (_, index) => ({ epoch: index + 1, loss: 1 / (index + 1) }));

    const svg = parseXml(renderLossSvg({ title: 'xor demo', points }));

    expect(svg.name).toBe('svg');
    expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    const coordinates = polyline(svg, 'loss')!;
    expect(coordinates).toHaveLength(50);
    expect(coordinates.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y))).toBe(true);
    const xs = coordinates.map(([x]) => x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    // A falling loss is drawn going down the page: y grows.
    expect(coordinates[49][1]).toBeGreaterThan(coordinates[0][1]);
    expect(polyline(svg, 'valLoss')).toBeUndefined();
  });

  it('escapes the job name in the title', () => {
    const title = '<script>alert("x")</script> & \'friends\'\u0007';

    const text = renderLossSvg({ title, points: [{ epoch: 1, loss: 0.5 }] });

    expect(text).not.toContain('<script>');
    const svg = parseXml(text);
    expect(findAll(svg, 'title')[0].text).toBe('<script>alert("x")</script> & \'friends\'');
    expect(findAll(svg, 'text').find((element) => element.attributes.class === 'title')?.text).toBe(findAll(svg, 'title')[0].text);
  });

  it('draws the validation loss as a second series with a legend entry', () => {
    const points = Array.from({ length: 20 }, (_, index) => ({ epoch: index + 1, loss: 1 / (index + 1), valLoss: 1.2 / (index + 1) }));

    const svg = parseXml(renderLossSvg({ title: 'with validation', points }));

    expect(polyline(svg, 'valLoss')).toHaveLength(20);
    const legend = findAll(svg, 'g').find((group) => group.attributes.class === 'legend')!;
    expect(findAll(legend, 'text').map((element) => element.text)).toEqual(['training loss', 'validation loss']);
  });

  it('labels both axes and their ticks', () => {
    const points = Array.from({ length: 100 }, (_, index) => ({ epoch: index + 1, loss: 2 - index / 100 }));

    const svg = parseXml(renderLossSvg({ title: 't', points }));

    const texts = findAll(svg, 'text');
    expect(texts.find((element) => element.attributes.class === 'x-label')?.text).toBe('epoch');
    expect(texts.find((element) => element.attributes.class === 'y-label')?.text).toBe('loss');
    const group = (name: string) => findAll(svg, 'g').find((element) => element.attributes.class === name)!;
    expect(findAll(group('x-ticks'), 'text').map((element) => element.text)).toEqual(['10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
    expect(findAll(group('y-ticks'), 'text').length).toBeGreaterThanOrEqual(4);
  });

  it('uses a log axis with decade ticks for ?log=y and leaves out non-positive losses', () => {
    const points = Array.from({ length: 400 }, (_, index) => ({ epoch: index + 1, loss: index === 5 ? 0 : 10 ** (-index / 100) }));

    const svg = parseXml(renderLossSvg({ title: 'log', points, logY: true }));

    expect(polyline(svg, 'loss')).toHaveLength(399);
    const yTicks = findAll(findAll(svg, 'g').find((element) => element.attributes.class === 'y-ticks')!, 'text').map((element) => element.text);
    expect(yTicks).toEqual(expect.arrayContaining(['1', '0.1', '0.01', '0.001']));
    expect(findAll(svg, 'text').find((element) => element.attributes.class === 'y-label')?.text).toBe('loss (log scale)');
  });

  it('downsamples a long curve to about maxPoints, keeping its spike', () => {
    const points = Array.from({ length: 20_000 }, (_, index) => ({ epoch: index + 1, loss: index === 12_345 ? 5 : 1 / Math.sqrt(index + 1) }));

    const text = renderLossSvg({ title: 'long', points, maxPoints: 1000 });

    const coordinates = polyline(parseXml(text), 'loss')!;
    expect(coordinates.length).toBeLessThanOrEqual(1000);
    expect(coordinates.length).toBeGreaterThan(900);
    // The spike is the highest point of the chart: the smallest y.
    const top = Math.min(...coordinates.map(([, y]) => y));
    expect(top).toBeLessThan(80);
  });

  it('says so when there are no points yet', () => {
    const svg = parseXml(renderLossSvg({ title: 'queued job', points: [] }));

    expect(findAll(svg, 'polyline')).toHaveLength(0);
    expect(findAll(svg, 'text').some((element) => element.text === 'no points yet')).toBe(true);
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 500, 6, true)).toEqual([100, 200, 300, 400, 500]);
    expect(niceTicks(1, 3, 8, true)).toEqual([1, 2, 3]);
  });
});

describe('formatTick', () => {
  it('writes as many decimals as the step needs and exponents for tiny values', () => {
    expect(formatTick(0.2, 0.2)).toBe('0.2');
    expect(formatTick(0.25, 0.05)).toBe('0.25');
    expect(formatTick(0, 0.05)).toBe('0.00');
    expect(formatTick(0.0001)).toBe('1e-4');
    expect(formatTick(300, 100)).toBe('300');
  });
});
