// Scrapes a service's Prometheus endpoint and parses it with parse-prometheus-text-format (the
// prom2json shape): the tests read series as Prometheus would, not by matching text.
import parse from 'parse-prometheus-text-format';

export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: { value?: string; labels?: Record<string, string> }[];
}

/** The families served at `metricsUrl`, by name; throws unless it answers 200 in Prometheus' text format. */
export async function scrape(metricsUrl: string): Promise<Map<string, MetricFamily>> {
  const response = await fetch(metricsUrl);
  if (response.status !== 200) throw new Error(`${metricsUrl} answered ${response.status}`);
  if (!response.headers.get('content-type')?.startsWith('text/plain; version=0.0.4')) throw new Error(`${metricsUrl} is not Prometheus text`);
  // parse-prometheus-text-format 1.1.1 merges every series of a labelled histogram into one (its
  // flattenMetrics keeps only `le`): histograms are read as their _bucket, _sum and _count series.
  const text = (await response.text()).replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  const families = new Map<string, MetricFamily>();
  for (const family of (parse as (text: string) => MetricFamily[])(text)) {
    // A series name that comes back after another starts a family of the same name again.
    const known = families.get(family.name);
    if (known) known.metrics.push(...family.metrics);
    else families.set(family.name, family);
  }
  return families;
}

function matches(labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([name, value]) => labels?.[name] === value);
}

/** The value of the one series of `name` with `labels` (a counter or gauge); 0 when absent. */
export function value(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const series = families.get(name)?.metrics.filter((metric) => matches(metric.labels, labels)) ?? [];
  if (series.length > 1) throw new Error(`${series.length} series of ${name} match ${JSON.stringify(labels)}`);
  return series.length ? Number(series[0]!.value) : 0;
}

/** Observations of histogram `name` whose labels include `labels`, summed over the matching series. */
export function observations(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
  const total = (suffix: string) =>
    (families.get(`${name}${suffix}`)?.metrics ?? []).filter((metric) => matches(metric.labels, labels)).reduce((sum, metric) => sum + Number(metric.value), 0);
  return { count: total('_count'), sum: total('_sum') };
}

/** The label values of histogram `name`'s series (from its _count series). */
export function seriesLabels(families: Map<string, MetricFamily>, name: string): Record<string, string>[] {
  return (families.get(`${name}_count`)?.metrics ?? []).map((metric) => metric.labels ?? {});
}
