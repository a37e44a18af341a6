import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes, sagaReplyType } from '@notes/contracts/names';
import { StepReplySchema } from '@notes/contracts/saga/v1/messages';
import { commandEvent, readStepReply, stepReplyEvent } from '../../src/index.ts';

const sagaId = '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e77';
const commandId = '0190f5f4-7b1c-7a3e-8f00-3c5d2b1a9e78';
const at = new Date('2026-11-23T10:00:00.000Z');

test('a command is an event keyed and correlated by the saga id, whose event id is the command id', () => {
  const payload = new Uint8Array([1, 2]);
  const event = commandEvent({ id: sagaId, correlationId: sagaId }, { id: commandId, type: 'saga.X', payload }, at);
  assert.deepEqual(event, {
    eventId: commandId,
    aggregateId: sagaId,
    correlationId: sagaId,
    type: 'saga.X',
    occurredAt: at,
    payload,
  });
});

test("a participant's reply names the command it answers and reads back as the engine's StepReply", () => {
  const command = { eventId: commandId, aggregateId: sagaId, correlationId: sagaId, type: sagaCommandTypes.DeleteUser };
  const reply = stepReplyEvent(command, { succeeded: false, reason: 'locked' }, { eventId: 'r-1', occurredAt: at });
  assert.equal(reply.type, sagaReplyType);
  assert.equal(reply.aggregateId, sagaId);
  assert.equal(reply.correlationId, sagaId);
  const message = fromBinary(StepReplySchema, reply.payload);
  assert.deepEqual(
    { type: message.commandType, id: message.commandId, ok: message.succeeded, reason: message.reason },
    { type: sagaCommandTypes.DeleteUser, id: commandId, ok: false, reason: 'locked' },
  );
  assert.deepEqual(readStepReply(reply), {
    sagaId,
    commandId,
    commandType: sagaCommandTypes.DeleteUser,
    succeeded: false,
    reason: 'locked',
  });
});

test('what is not a StepReply of the contract reads as nothing', () => {
  const valid = create(StepReplySchema, { commandType: 'saga.X', commandId, succeeded: true });
  const event = { eventId: 'e', aggregateId: sagaId, correlationId: sagaId, type: sagaReplyType, occurredAt: at };
  assert.ok(readStepReply({ ...event, payload: toBinary(StepReplySchema, valid) }));
  assert.equal(readStepReply({ ...event, type: 'saga.Other', payload: toBinary(StepReplySchema, valid) }), undefined);
  assert.equal(readStepReply({ ...event, payload: new Uint8Array([0xff, 0xff, 0xff]) }), undefined);
  const noCommandId = toBinary(StepReplySchema, create(StepReplySchema, { commandType: 'saga.X', succeeded: true }));
  assert.equal(readStepReply({ ...event, payload: noCommandId }), undefined);
  const noSaga = { ...event, aggregateId: 'not-a-saga', correlationId: undefined };
  assert.equal(readStepReply({ ...noSaga, payload: toBinary(StepReplySchema, valid) }), undefined);
});
