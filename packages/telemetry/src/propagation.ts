import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';

/** W3C trace context as text headers: traceparent and, when there is one, tracestate. */
export type TraceHeaders = Record<string, string>;

const traceHeaderNames = ['traceparent', 'tracestate'] as const;

/**
 * The trace context of ctx (the active one by default) as headers, to store or send on; undefined
 * when there is nothing to carry (tracing off: no propagator is registered, or no span is active).
 */
export function traceHeadersOf(ctx: Context = context.active()): TraceHeaders | undefined {
  const carrier: TraceHeaders = {};
  propagation.inject(ctx, carrier);
  if (carrier.traceparent === undefined) return undefined;
  const headers: TraceHeaders = {};
  for (const name of traceHeaderNames) if (carrier[name] !== undefined) headers[name] = carrier[name];
  return headers;
}

/** A context whose parent is the span the headers name; the root context when they name none (or tracing is off). */
export function contextFromTraceHeaders(headers: Readonly<TraceHeaders> | undefined): Context {
  return headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
}

/**
 * A link to the span the headers name, for work that starts a trace of its own but was caused by
 * that one (a deadline that fired, a saga resumed by an operator); none when they name none.
 */
export function linksTo(headers: Readonly<TraceHeaders> | undefined): Link[] {
  const spanContext = trace.getSpanContext(contextFromTraceHeaders(headers));
  return spanContext === undefined ? [] : [{ context: spanContext }];
}

/** Reads and writes Fetch API Headers (Connect's request and response headers). */
export const fetchHeadersGetter: TextMapGetter<Headers> = {
  get: (headers, name) => headers.get(name) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

export const fetchHeadersSetter: TextMapSetter<Headers> = {
  set: (headers, name, value) => headers.set(name, value),
};

/**
 * Whether this process traces (startTelemetry registered the SDK): lets work that tracing alone
 * needs (reading a stored trace context) be skipped when it is off.
 */
export function tracingEnabled(): boolean {
  return propagation.fields().includes('traceparent');
}
