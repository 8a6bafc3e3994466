import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

/** OpenTelemetry's standard OTEL_TRACES_SAMPLER values (the SDK specification's, minus the jaeger/xray ones). */
export const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];

/**
 * The sampler named by OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (validated by config.ts,
 * so a typo stops the process instead of the SDK's silent fallback). Default: every trace.
 * `parentbased_*` follows an incoming traceparent's decision, so a trace sampled upstream is kept
 * whole; the ratio applies to traces that start here. An unsampled request creates no child spans
 * at all (pg, Redis, unit of work and provider hooks check isRecording()).
 */
export function samplerOf(name: TracesSamplerName | undefined, ratio: number | undefined): Sampler {
  const root = (n: string): Sampler => {
    if (n.endsWith('always_off')) return new AlwaysOffSampler();
    if (n.endsWith('traceidratio')) return new TraceIdRatioBasedSampler(ratio ?? 1);
    return new AlwaysOnSampler();
  };
  const chosen = name ?? 'parentbased_always_on';
  return chosen.startsWith('parentbased_') ? new ParentBasedSampler({ root: root(chosen) }) : root(chosen);
}
