// The platform's settings the benchmark compares: production as it ships, and production with one
// thing switched off, so each ratio (production ÷ variant) is what that thing costs. Adding a
// variant is adding an entry: startPlatform options and whether traces are exported.
import type { PlatformOptions } from '@notes/local-infra';

export interface Variant {
  name: string;
  /** Traces exported to the bench's OTLP sink (OTEL_EXPORTER_OTLP_ENDPOINT set), or no endpoint. */
  tracing: boolean;
  /** startPlatform options that differ from its defaults. */
  options?: Partial<Pick<PlatformOptions, 'grpcTls'>>;
}

/** As deployed: traces exported, mTLS on every gRPC hop (startPlatform's default). */
export const production: Variant = { name: 'production', tracing: true };

/** Each compared with production in interleaved rounds; `cost` names what the ratio prices in the goals table. */
export const switchedOff: readonly (Variant & { cost: string })[] = [
  { name: 'tracing off', cost: 'tracing exporting', tracing: false },
  { name: 'mTLS off', cost: 'mTLS on the gRPC hops', tracing: true, options: { grpcTls: false } },
];
