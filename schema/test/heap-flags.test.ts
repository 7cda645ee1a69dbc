import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { heapFlags, NODE_OPTIONS_OF, withoutHeapFlags } from '../src/heap-flags.ts';

describe('heap flags per kind of process', () => {
  it('drop every spelling of the two heap-size flags and keep the rest in order', () => {
    expect(
      withoutHeapFlags([
        '--import', 'tsx',
        '--max-old-space-size=192',
        '--max_old_space_size=512',
        '--max-semi-space-size', '16',
        '--max_semi_space_size=64',
        '--enable-source-maps',
        '--max-old-space-size', '4096',
        '--max-heap-size=2048',
        '--max_young_generation_size', '64',
        '--cpu-prof',
      ]),
    ).toEqual(['--import', 'tsx', '--enable-source-maps', '--cpu-prof']);
  });

  it('keep flags that only start like a heap flag', () => {
    const others = ['--max-old-space-sizes=1', '--max-young-space-size=1', '--max-http-header-size=65536', '--max-semi-space-size-x=2'];
    expect(withoutHeapFlags(others)).toEqual(others);
  });

  it('give each kind its cap and a 16 MB semi-space', () => {
    for (const role of ['gateway', 'subgraph', 'embedded'] as const) {
      const flags = heapFlags(role);
      expect(flags).toContain('--max-semi-space-size=16');
      expect(flags.some((flag) => /^--max-old-space-size=\d+$/.test(flag))).toBe(true);
      // What withoutHeapFlags removes is exactly what heapFlags adds: a child never keeps two caps.
      expect(withoutHeapFlags(flags)).toEqual([]);
    }
  });

  it("are package.json's start script's flags for the embedded shape", () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.start).toBe(`node ${NODE_OPTIONS_OF.embedded} --import tsx scripts/credit-graph.ts start`);
  });
});
