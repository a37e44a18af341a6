// Tracing for a service process. Only a composition root (main.ts) calls startTelemetry:
// everything else traces through @opentelemetry/api, which stays a no-op until it registers the SDK.
import type { Logger } from '@notes/logger';
import { describeTracing, readTracingSettings, type TracingSettings } from './settings.ts';

export {
  type BatchSettings,
  describeTracing,
  type OtlpProtocol,
  readTracingSettings,
  type SamplerSetting,
  type TracingSettings,
} from './settings.ts';

export interface TelemetryOptions {
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** The process environment, passed in by main.ts. */
  env: Record<string, string | undefined>;
  /** Told where traces go, and (at most once a minute) that spans could not be exported. */
  logger: Logger;
}

export interface Telemetry {
  readonly settings: TracingSettings;
  /** Exports the spans still queued and unregisters the SDK; nothing is traced after it. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when the OTEL_* variables ask for it (see readTracingSettings): the OpenTelemetry
 * SDK exporting over OTLP/HTTP (provider.ts). Otherwise it loads and registers nothing, and every
 * span of @opentelemetry/api is a no-op. Throws a ConfigError naming a setting it cannot use.
 *
 * The exporter itself still reads the OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, _TIMEOUT, _COMPRESSION
 * and certificate variables from process.env (the SDK offers no way to pass them in).
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const settings = readTracingSettings(options.env, options.serviceName);
  if (!settings.enabled) return { settings, shutdown: async () => undefined };
  const { registerTracing } = await import('./provider.ts');
  const unregister = registerTracing(settings, options.logger);
  options.logger.info(describeTracing(settings));
  let shutdown: Promise<void> | undefined;
  return {
    settings,
    shutdown() {
      shutdown ??= unregister();
      return shutdown;
    },
  };
}
