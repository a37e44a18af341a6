import { create, toBinary } from '@bufbuild/protobuf';
import { sagaCommandTypes } from '@notes/contracts/names';
import { CreateWelcomeNoteSchema, DeleteUserNotesSchema, DeleteUserSchema } from '@notes/contracts/saga/v1/messages';
import type { CommandBuilder, SagaDefinition } from '@notes/saga';
import type { SagaCommandName, SagaPlan } from '../domain/sagas.ts';

/** Each command's payload: the saga.v1 message of its name, about the saga's user. */
const encoders: Record<SagaCommandName, (userId: string) => Uint8Array> = {
  CreateWelcomeNote: (userId) => toBinary(CreateWelcomeNoteSchema, create(CreateWelcomeNoteSchema, { userId })),
  DeleteUserNotes: (userId) => toBinary(DeleteUserNotesSchema, create(DeleteUserNotesSchema, { userId })),
  DeleteUser: (userId) => toBinary(DeleteUserSchema, create(DeleteUserSchema, { userId })),
};

function commandBuilder(name: SagaCommandName): CommandBuilder {
  return (saga) => {
    if (saga.userId === null) throw new Error(`saga ${saga.id} has no user to send ${name} about`);
    return { type: sagaCommandTypes[name], payload: encoders[name](saga.userId) };
  };
}

/** A plan as the saga engine runs it: its commands encoded as saga.commands messages. */
export function sagaDefinition(plan: SagaPlan): SagaDefinition {
  return {
    type: plan.type,
    steps: plan.steps.map((step) => ({
      name: step.name,
      command: commandBuilder(step.command),
      ...(step.compensation === undefined ? {} : { compensation: commandBuilder(step.compensation) }),
    })),
  };
}
