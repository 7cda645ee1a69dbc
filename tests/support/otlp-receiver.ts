// A trace collector for tests: an OTLP/HTTP receiver (JSON encoding, `POST /v1/traces`, the
// OpenTelemetry Protocol specification's "OTLP/HTTP") on an ephemeral port, that services
// started with OTEL_EXPORTER_OTLP_ENDPOINT=<its url> and OTEL_EXPORTER_OTLP_PROTOCOL=http/json
// export their spans to, kept in memory, flattened.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received span: ids as lower-case hex, kind as OTLP's number (1 internal, 2 server, 3 client). */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }[] }[];
  }[];
}

/** Bound on one export request: the SDK's batches (512 spans) fit many times over. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function attributes(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]));
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Resource attributes of each service that exported, by service.name. */
  resources: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const resources = new Map<string, Record<string, unknown>>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) break;
      chunks.push(chunk);
    }
    if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json') || size > MAX_BODY_BYTES) {
      res.writeHead(400).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = attributes(resourceSpans.resource?.attributes);
      const service = String(resource['service.name']);
      resources.set(service, resource);
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          spans.push({
            service,
            traceId: span.traceId.toLowerCase(),
            spanId: span.spanId.toLowerCase(),
            parentSpanId: span.parentSpanId ? span.parentSpanId.toLowerCase() : undefined,
            name: span.name,
            kind: span.kind,
            attributes: attributes(span.attributes),
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    resources,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
