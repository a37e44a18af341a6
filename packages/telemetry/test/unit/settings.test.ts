import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@notes/config';
import { describeTracing, readTracingSettings } from '../../src/settings.ts';

test('tracing is off without an OTLP endpoint, and the line says how to switch it on', () => {
  const settings = readTracingSettings({}, 'auth-service');
  assert.equal(settings.enabled, false);
  assert.equal(settings.serviceName, 'auth-service');
  assert.match(describeTracing(settings), /tracing off.*OTEL_EXPORTER_OTLP_ENDPOINT=/);
});

test('OTEL_SDK_DISABLED=true switches it off even with an endpoint', () => {
  const settings = readTracingSettings(
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' },
    'notes-service',
  );
  assert.equal(settings.enabled, false);
});

test('the base endpoint gets /v1/traces; the traces endpoint is used as it is', () => {
  const base = readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'bff-rest');
  assert.ok(base.enabled);
  assert.equal(base.tracesUrl, 'http://collector:4318/v1/traces');
  assert.equal(base.protocol, 'http/protobuf');
  assert.deepEqual(base.sampler, { kind: 'parentbased_always_on' });
  const slash = readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'bff-rest');
  assert.ok(slash.enabled);
  assert.equal(slash.tracesUrl, 'http://collector:4318/v1/traces');
  const specific = readTracingSettings(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
    },
    'bff-rest',
  );
  assert.ok(specific.enabled);
  assert.equal(specific.tracesUrl, 'https://traces.example/otlp');
});

test('service name, protocol, sampler, resource attributes and batch settings come from OTEL_*', () => {
  const settings = readTracingSettings(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_SERVICE_NAME: 'notes-eu',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.name=ignored,team=notes%20core',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
    'notes-service',
  );
  assert.ok(settings.enabled);
  assert.equal(settings.serviceName, 'notes-eu');
  assert.equal(settings.protocol, 'http/json');
  assert.deepEqual(settings.sampler, { kind: 'parentbased_traceidratio', ratio: 0.25 });
  assert.deepEqual(settings.resourceAttributes, { 'deployment.environment.name': 'staging', team: 'notes core' });
  assert.deepEqual(settings.batch, { scheduledDelayMillis: 200 });
  assert.match(describeTracing(settings), /notes-eu.*http:\/\/127\.0\.0\.1:4318\/v1\/traces.*http\/json/);
});

test('service.name of OTEL_RESOURCE_ATTRIBUTES names the service when OTEL_SERVICE_NAME is unset', () => {
  const settings = readTracingSettings({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=relay-2' }, 'outbox-relay');
  assert.equal(settings.serviceName, 'relay-2');
});

test('settings it cannot use are refused, naming the variable', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/],
    [{ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL/],
    [{ ...endpoint, OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER/],
    [{ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, /OTEL_TRACES_SAMPLER_ARG/],
    [{ ...endpoint, OTEL_BSP_SCHEDULE_DELAY: 'soon' }, /OTEL_BSP_SCHEDULE_DELAY/],
  ];
  for (const [env, named] of cases) {
    assert.throws(
      () => readTracingSettings(env, 'auth-service'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, named);
        return true;
      },
    );
  }
});
