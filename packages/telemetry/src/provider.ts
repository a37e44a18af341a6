// The OpenTelemetry SDK itself, imported by startTelemetry only when tracing is on: loading it
// takes a noticeable part of a second, which a service with tracing off does not pay.

import { setTimeout } from 'node:timers/promises';
import type { Logger } from '@notes/logger';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { SamplerSetting, TracingSettings } from './settings.ts';

/** How often a collector that keeps failing is logged. */
const exportFailureLogIntervalMs = 60_000;
/** How long shutdown waits for the last export. */
const shutdownTimeoutMs = 5_000;

/**
 * Registers the tracer provider (the service's resource, the sampler asked for, a batch span
 * processor exporting over OTLP/HTTP), the AsyncLocalStorage context manager and the W3C
 * trace-context propagator. Returns what exports the queued spans (waiting 5 s at most) and
 * unregisters them.
 */
export function registerTracing(settings: TracingSettings & { enabled: true }, logger: Logger): () => Promise<void> {
  const exporterOptions = { url: settings.tracesUrl };
  const exporter =
    settings.protocol === 'http/json'
      ? new OtlpJsonTraceExporter(exporterOptions)
      : new OtlpProtobufTraceExporter(exporterOptions);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: samplerFor(settings.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...settings.batch })],
  });
  let lastFailureLoggedAt = Number.NEGATIVE_INFINITY;
  setGlobalErrorHandler((error) => {
    const now = Date.now();
    if (now - lastFailureLoggedAt < exportFailureLogIntervalMs) return;
    lastFailureLoggedAt = now;
    logger.warn(
      { error: error instanceof Error ? error.message : String(error), tracesUrl: settings.tracesUrl },
      'exporting spans failed; dropping them (logged at most once a minute)',
    );
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return async () => {
    // A collector that is away must not hold up or fail the service's stop: what it did not take is dropped.
    const flushed = provider.shutdown().catch((error: unknown) => {
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'the last spans were not exported',
      );
    });
    await Promise.race([flushed, setTimeout(shutdownTimeoutMs, undefined, { ref: false })]);
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

function samplerFor(setting: SamplerSetting): Sampler {
  switch (setting.kind) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(setting.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(setting.ratio) });
  }
}
