import { describe, expect, it } from 'vitest';
import { fallbackServiceName, otherSignalsRequested, tracingEnabled } from './settings.js';

describe('tracingEnabled', () => {
  it.each([
    ['no OTEL variable', {}, false],
    ['only a service name', { OTEL_SERVICE_NAME: 'tally-intake' }, false],
    ['an OTLP endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
    ['a traces endpoint', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' }, true],
    ['a blank endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    ['the zipkin exporter', { OTEL_TRACES_EXPORTER: 'zipkin' }, true],
    ['the console exporter', { OTEL_TRACES_EXPORTER: 'console' }, true],
    ['exporter none', { OTEL_TRACES_EXPORTER: 'none' }, false],
    [
      'exporter none beside an endpoint',
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' },
      false,
    ],
    ['an exporter list', { OTEL_TRACES_EXPORTER: ' otlp , console ' }, true],
    [
      'OTEL_SDK_DISABLED over an exporter',
      { OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' },
      false,
    ],
    ['OTEL_SDK_DISABLED=false', { OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }, true],
  ])('%s → %s', (_what, env, expected) => {
    expect(tracingEnabled(env)).toBe(expected);
  });
});

describe('fallbackServiceName', () => {
  it('derives the name from the entry package when the environment names none', () => {
    expect(fallbackServiceName({}, '@tally/intake')).toBe('tally-intake');
    expect(fallbackServiceName({}, 'plain')).toBe('plain');
  });

  it('leaves the name to OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(fallbackServiceName({ OTEL_SERVICE_NAME: 'x' }, '@tally/intake')).toBeUndefined();
    const attributes = { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=dev, service.name=y' };
    expect(fallbackServiceName(attributes, '@tally/intake')).toBeUndefined();
    expect(fallbackServiceName({}, undefined)).toBeUndefined();
  });
});

describe('otherSignalsRequested', () => {
  it('keeps metrics and logs off unless their variable names an exporter', () => {
    expect(otherSignalsRequested({})).toEqual({ metrics: false, logs: false });
    expect(otherSignalsRequested({ OTEL_METRICS_EXPORTER: 'none' })).toEqual({
      metrics: false,
      logs: false,
    });
    expect(
      otherSignalsRequested({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'console' }),
    ).toEqual({ metrics: true, logs: true });
  });
});
