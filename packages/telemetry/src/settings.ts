import { ConfigError } from '@notes/config';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type SamplerSetting =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

export type TracingSettings =
  | {
      enabled: true;
      serviceName: string;
      /** Where spans are POSTed: the traces endpoint itself, /v1/traces included. */
      tracesUrl: string;
      protocol: OtlpProtocol;
      sampler: SamplerSetting;
      /** From OTEL_RESOURCE_ATTRIBUTES, service.name excluded (it is serviceName). */
      resourceAttributes: Record<string, string>;
      /** The batch span processor's OTEL_BSP_* settings that were given. */
      batch: BatchSettings;
    }
  | { enabled: false; serviceName: string; reason: string };

export interface BatchSettings {
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
}

const batchVariables: Readonly<Record<keyof BatchSettings, string>> = {
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
};

const protocols: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const plainSamplers = ['always_on', 'always_off', 'parentbased_always_on', 'parentbased_always_off'] as const;
const ratioSamplers = ['traceidratio', 'parentbased_traceidratio'] as const;

/**
 * Tracing as the standard OTEL_* variables ask for it. It is on only when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces) and
 * OTEL_SDK_DISABLED is not true. Throws a ConfigError naming a setting it cannot use.
 */
export function readTracingSettings(
  env: Record<string, string | undefined>,
  defaultServiceName: string,
): TracingSettings {
  const resourceAttributes = parseResourceAttributes(setting(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName = setting(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? defaultServiceName;
  delete resourceAttributes['service.name'];
  if (setting(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return { enabled: false, serviceName, reason: 'OTEL_SDK_DISABLED=true' };
  }
  const tracesUrl = tracesEndpoint(env);
  if (tracesUrl === undefined) {
    return { enabled: false, serviceName, reason: 'no OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT)' };
  }
  const protocolSetting =
    setting(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? setting(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const protocol = protocolSetting ?? 'http/protobuf';
  if (!protocols.includes(protocol as OtlpProtocol)) {
    throw new ConfigError(
      `invalid setting OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" (supported: ${protocols.join(', ')})`,
    );
  }
  return {
    enabled: true,
    serviceName,
    tracesUrl,
    protocol: protocol as OtlpProtocol,
    sampler: readSampler(env),
    resourceAttributes,
    batch: readBatchSettings(env),
  };
}

function readBatchSettings(env: Record<string, string | undefined>): BatchSettings {
  const batch: BatchSettings = {};
  for (const [key, name] of Object.entries(batchVariables) as [keyof BatchSettings, string][]) {
    const text = setting(env, name);
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigError(`invalid setting ${name}: "${text}" is not a positive integer`);
    }
    batch[key] = value;
  }
  return batch;
}

function tracesEndpoint(env: Record<string, string | undefined>): string | undefined {
  const specific = setting(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) return httpUrl(specific, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = setting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base === undefined) return undefined;
  const url = httpUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return `${url.endsWith('/') ? url : `${url}/`}v1/traces`;
}

function httpUrl(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`invalid setting ${name}: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`invalid setting ${name}: "${text}" is not an http(s) URL`);
  }
  return text;
}

function readSampler(env: Record<string, string | undefined>): SamplerSetting {
  const kind = (setting(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  if ((plainSamplers as readonly string[]).includes(kind)) return { kind: kind as (typeof plainSamplers)[number] };
  if (!(ratioSamplers as readonly string[]).includes(kind)) {
    throw new ConfigError(
      `invalid setting OTEL_TRACES_SAMPLER: "${kind}" (supported: ${[...plainSamplers, ...ratioSamplers].join(', ')})`,
    );
  }
  const argument = setting(env, 'OTEL_TRACES_SAMPLER_ARG');
  const ratio = argument === undefined ? 1 : Number(argument);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(`invalid setting OTEL_TRACES_SAMPLER_ARG: "${argument}" is not a ratio between 0 and 1`);
  }
  return { kind: kind as (typeof ratioSamplers)[number], ratio };
}

/** OTEL_RESOURCE_ATTRIBUTES: key=value pairs separated by commas, values percent-encoded. */
function parseResourceAttributes(text: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const key = pair.slice(0, separator).trim();
    try {
      attributes[key] = decodeURIComponent(pair.slice(separator + 1).trim());
    } catch {
      throw new ConfigError(`invalid setting OTEL_RESOURCE_ATTRIBUTES: the value of ${key} is not percent-encoded`);
    }
  }
  return attributes;
}

/** A variable's value; empty counts as unset, as the OpenTelemetry specification says. */
function setting(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** One line for people: where this service's traces go, or how to switch them on. */
export function describeTracing(settings: TracingSettings): string {
  if (!settings.enabled) {
    return `tracing off (${settings.reason}): set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 to export traces`;
  }
  return `traces of ${settings.serviceName} go to ${settings.tracesUrl} (${settings.protocol}, sampler ${settings.sampler.kind})`;
}
