// /metrics of every service, scraped before and after traffic (sign-ups and their SignUpSagas, an
// account deletion, notes created and listed, bad requests): the documented series move.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { topics } from '@notes/contracts/names';
import { metricFamiliesByService } from '../platform-metrics.ts';
import { type Exposition, parseExposition, total } from '../prometheus-text.ts';
import { apiClient } from './api.ts';
import { type RunningPlatform, startTestPlatform } from './platform.ts';

const services = ['bff', 'auth', 'notes', 'saga'] as const;
type Service = (typeof services)[number];

let platform: RunningPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.close();
});

async function scrape(service: Service): Promise<Exposition> {
  const response = await fetch(`${platform.operationsUrl(service)}/metrics`);
  assert.equal(response.status, 200, `${service} /metrics`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return parseExposition(await response.text());
}

const scrapeAll = async () =>
  Object.fromEntries(await Promise.all(services.map(async (service) => [service, await scrape(service)]))) as Record<
    Service,
    Exposition
  >;

/** A series that must have grown between two scrapes of a service. */
interface Growth {
  service: Service;
  name: string;
  labels?: Record<string, string>;
}

const mustGrow: Growth[] = [
  // HTTP at the BFF: rate, errors (4xx here) and duration all come from the histogram.
  { service: 'bff', name: 'http_request_duration_seconds_count', labels: { route: '/v1/notes', status: '201' } },
  { service: 'bff', name: 'http_request_duration_seconds_count', labels: { route: '/v1/notes', status: '400' } },
  { service: 'bff', name: 'http_request_duration_seconds_count', labels: { route: '/v1/notes/:id', status: '404' } },
  { service: 'bff', name: 'http_request_duration_seconds_bucket', labels: { route: '/v1/notes', le: '+Inf' } },
  // gRPC, client side (BFF → upstreams, orchestrator → auth-service) and server side.
  {
    service: 'bff',
    name: 'grpc_client_handled_total',
    labels: { grpc_service: 'notes.v1.NotesService', grpc_method: 'CreateNote', grpc_code: 'OK' },
  },
  { service: 'bff', name: 'grpc_client_handled_total', labels: { grpc_method: 'GetNote', grpc_code: 'NOT_FOUND' } },
  { service: 'bff', name: 'grpc_client_handling_seconds_count', labels: { grpc_method: 'SignUp' } },
  { service: 'auth', name: 'grpc_server_handled_total', labels: { grpc_method: 'SignUp', grpc_code: 'OK' } },
  { service: 'auth', name: 'grpc_server_handling_seconds_count', labels: { grpc_method: 'SignIn' } },
  {
    service: 'auth',
    name: 'grpc_server_handled_total',
    labels: { grpc_service: 'auth.v1.AuthService', grpc_method: 'BeginUserDeletion', grpc_code: 'OK' },
  },
  { service: 'notes', name: 'grpc_server_handled_total', labels: { grpc_method: 'CreateNote', grpc_code: 'OK' } },
  { service: 'notes', name: 'grpc_server_handled_total', labels: { grpc_method: 'GetNote', grpc_code: 'NOT_FOUND' } },
  { service: 'saga', name: 'grpc_server_handled_total', labels: { grpc_method: 'StartDeleteUserSaga' } },
  {
    service: 'saga',
    name: 'grpc_client_handled_total',
    labels: { grpc_service: 'auth.v1.AuthService', grpc_method: 'BeginUserDeletion', grpc_code: 'OK' },
  },
  // The outboxes' relays and Kafka.
  { service: 'auth', name: 'outbox_events_published_total', labels: { topic: topics.authEvents } },
  { service: 'auth', name: 'outbox_publish_duration_seconds_count', labels: { topic: topics.authEvents } },
  { service: 'auth', name: 'outbox_publish_delay_seconds_count', labels: { topic: topics.authEvents } },
  { service: 'auth', name: 'kafka_messages_produced_total', labels: { topic: topics.authEvents } },
  {
    service: 'auth',
    name: 'kafka_messages_consumed_total',
    labels: { topic: topics.sagaCommands, group: 'auth-service' },
  },
  { service: 'notes', name: 'kafka_messages_produced_total', labels: { topic: topics.notesEvents } },
  { service: 'notes', name: 'outbox_events_published_total', labels: { topic: topics.sagaReplies } },
  {
    service: 'notes',
    name: 'kafka_messages_consumed_total',
    labels: { topic: topics.sagaCommands, group: 'notes-service' },
  },
  { service: 'saga', name: 'outbox_events_published_total', labels: { topic: topics.sagaCommands } },
  { service: 'saga', name: 'kafka_messages_produced_total', labels: { topic: topics.sagaCommands } },
  {
    service: 'saga',
    name: 'kafka_messages_consumed_total',
    labels: { topic: topics.authEvents, group: 'saga-orchestrator' },
  },
  {
    service: 'saga',
    name: 'kafka_messages_consumed_total',
    labels: { topic: topics.sagaReplies, group: 'saga-orchestrator' },
  },
  // The sagas: counted in the store at each scrape, and their transitions and durations.
  { service: 'saga', name: 'sagas_in_state', labels: { type: 'SignUpSaga', state: 'COMPLETED' } },
  { service: 'saga', name: 'sagas_in_state', labels: { type: 'DeleteUserSaga', state: 'COMPLETED' } },
  { service: 'saga', name: 'saga_transitions_total', labels: { type: 'SignUpSaga', state: 'RUNNING' } },
  { service: 'saga', name: 'saga_duration_seconds_count', labels: { type: 'SignUpSaga', outcome: 'COMPLETED' } },
  // The runtime's own counters move by themselves.
  ...services.map((service): Growth => ({ service, name: 'process_cpu_seconds_total' })),
];

const describe = ({ service, name, labels }: Growth) => `${service}: ${name}${JSON.stringify(labels ?? {})}`;

test('every service exposes its metric families; after traffic their series have moved', async () => {
  const first = await scrapeAll();
  for (const service of services) {
    const missing = metricFamiliesByService[service].filter((family) => !first[service].families.has(family));
    assert.deepEqual(missing, [], `${service} lacks these families`);
    assert.ok(total(first[service], 'nodejs_heap_size_used_bytes') > 0, `${service}: heap used`);
  }

  const api = apiClient(platform.bffUrl);
  const users = [await api.signedInUser(), await api.signedInUser()];
  for (const user of users) await api.welcomeNoteId(user.token);
  const [user, leaving] = users as [(typeof users)[0], (typeof users)[0]];
  const created = await api.call('POST', '/v1/notes', { token: user.token, body: { title: 'measured' } });
  assert.equal(created.status, 201, created.text);
  assert.equal((await api.call('GET', '/v1/notes', { token: user.token })).status, 200);
  const badRequest = await api.call('POST', '/v1/notes', { token: user.token, body: { title: '' } });
  assert.equal(badRequest.status, 400, badRequest.text);
  const unknown = await api.call('GET', `/v1/notes/${randomUUID()}`, { token: user.token });
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal((await api.call('DELETE', '/v1/auth/me', { token: leaving.token })).status, 202);

  // Sagas end, and relays publish, a moment after the requests: scrape until everything moved.
  let stillFlat: string[] = [];
  let last = first;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    last = await scrapeAll();
    const now = last;
    stillFlat = mustGrow
      .filter(
        (growth) =>
          !(
            total(now[growth.service], growth.name, growth.labels) >
            total(first[growth.service], growth.name, growth.labels)
          ),
      )
      .map(describe);
    if (stillFlat.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.deepEqual(stillFlat, [], 'these series did not move');

  // Gauges read at the scrape: the outbox backlogs (drained by now or nearly) and each consumer group's lag.
  for (const service of ['auth', 'notes', 'saga'] as const) {
    const backlog = last[service].samples.filter((sample) => sample.name === 'outbox_unsent_events');
    assert.equal(backlog.length, 1, `${service}: one outbox_unsent_events sample`);
    const lag = last[service].samples.filter((sample) => sample.name === 'kafka_consumer_lag');
    assert.ok(lag.length > 0, `${service}: kafka_consumer_lag has samples`);
    assert.ok(
      lag.every((sample) => sample.value >= 0),
      `${service}: lag is never negative`,
    );
  }
  assert.equal(total(last.saga, 'saga_overdue_seconds'), 0, 'no saga is past its deadline');
});
