import { describe, expect, it } from 'vitest';
import { niceTicks, renderChart } from '../../bench/chart';
import { parseFigures } from '../../bench/figures';
import { fakeResults } from './fake-results';

/** Well-formed enough for a browser: every tag closed in order, attributes quoted, no stray `<` or `&`. */
function checkXml(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index);
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot);)/);
    at = m.index + m[0].length;
    if (m[1] === '/') expect(stack.pop()).toBe(m[2]);
    else if (m[4] !== '/') stack.push(m[2] as string);
  }
  expect(svg.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
}

describe('parse chart', () => {
  const figures = parseFigures(fakeResults());
  const svg = renderChart(figures);

  it('is a well-formed SVG with a title, axis labels and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkXml(svg);
    expect(svg).toContain('Parse throughput by FAILED share');
    expect(svg).toContain('FAILED share of the lines');
    expect(svg).toContain('MB/s (10^6 bytes per second)');
    for (const share of ['0%', '2%', '6%', '30%']) expect(svg).toContain(`>${share}</text>`);
    expect(svg).toContain('<g class="legend"');
  });

  it('draws one panel per size and one series per tool in each', () => {
    const panels = svg.split('<g class="panel"').slice(1);
    expect(panels).toHaveLength(2);
    const tools = ['ours', 'lognormalizer-structured', 'lognormalizer-split', 'miller', 'jq', 'readline'];
    for (const panel of panels) expect([...panel.matchAll(/<g class="series" data-tool="([^"]+)"/g)].map((m) => m[1])).toEqual(tools);
    // 100MB has four shares: a line through four points; 1GiB one point, no line.
    expect((panels[0]?.match(/<circle /g) ?? []).length).toBe(4 * tools.length);
    expect((panels[1]?.match(/<polyline /g) ?? []).length).toBe(0);
  });

  it('puts points on a linear MB/s scale from 0 to the top tick', () => {
    // Ticks: the fastest run is readline's 100 / 0.9 = 111 MB/s, so ticks of 50 up to 150; the plot is 174 px high (320 - 90 - 56).
    expect(niceTicks(111.11)).toEqual([0, 50, 100, 150]);
    const cy = (title: string): number => Number(new RegExp(`cy="([\\d.]+)" r="3.5"><title>${title}`).exec(svg)?.[1]);
    expect(cy('jq, 100MB-f0: 10 MB/s')).toBeCloseTo(174 - (174 * 10) / 150, 1);
    expect(cy('readline, 100MB: 100 MB/s')).toBeCloseTo(174 - (174 * 100) / 150, 1);
    expect(cy('ours, 100MB-f30: 50 MB/s')).toBeCloseTo(174 - (174 * 50) / 150, 1);
  });

  it('labels a smoke run as such', () => {
    expect(svg).not.toContain('SMOKE RUN');
    expect(renderChart({ ...figures, smoke: true })).toContain('SMOKE RUN (2MB): not figures to quote');
  });

  it('chooses 1, 2 or 5 steps', () => {
    expect(niceTicks(67)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(4.1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
