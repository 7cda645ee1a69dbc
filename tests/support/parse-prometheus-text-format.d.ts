// parse-prometheus-text-format ships no types; its one export is the parser (see prometheus.ts).
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
