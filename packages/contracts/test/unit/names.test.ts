// The contract's names in code and in docs/contract/events.md are the same set: a name added,
// renamed or dropped on one side only fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { file_common_v1_events } from '../../src/gen/common/v1/events_pb.js';
import { file_saga_v1_messages } from '../../src/gen/saga/v1/messages_pb.js';
import { allTopics, eventTypes, sagaCommandTypes, sagaReplyType } from '../../src/names.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../../docs/contract/events.md'), 'utf8');

/** The rows of the table under the "## Topics" heading: its cells, the header row and the rule left out. */
function topicTableRows(): string[][] {
  const section = doc.split(/^## /m).find((part) => part.startsWith('Topics\n'));
  assert.ok(section, 'docs/contract/events.md has a "## Topics" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  return rows.slice(2);
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

test('every topic in the contract is exported, and every exported topic is in the contract', () => {
  const documented = topicTableRows().flatMap(([topic = '']) => codeSpans(topic));
  assert.deepEqual([...allTopics].sort(), documented.sort());
});

test('every event type in the contract is exported, and every exported event type is in the contract', () => {
  const documented = topicTableRows().flatMap(([, , carries = '']) => codeSpans(carries));
  assert.deepEqual(Object.values(eventTypes).sort(), documented.sort());
});

const messagesOf = (file: typeof file_saga_v1_messages) => file.messages.map((message) => message.name);

test('an event type is its topic prefix and the common.v1 message its payload is', () => {
  for (const [message, type] of Object.entries(eventTypes)) {
    assert.match(type, new RegExp(`^(auth|notes)\\.${message}$`));
    assert.ok(messagesOf(file_common_v1_events).includes(message), `common.v1.${message} exists`);
  }
});

test('saga command and reply types are saga. and the saga.v1 message their payload is, every message one of them', () => {
  const named = [...Object.values(sagaCommandTypes), sagaReplyType];
  assert.deepEqual(
    named.sort(),
    messagesOf(file_saga_v1_messages)
      .map((message) => `saga.${message}`)
      .sort(),
  );
  for (const [message, type] of Object.entries(sagaCommandTypes)) assert.equal(type, `saga.${message}`);
});
