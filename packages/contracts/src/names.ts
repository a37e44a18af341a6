// The names of the Kafka contract (docs/contract/events.md), declared once: every producer,
// consumer, test and tool takes them from here, so a name cannot drift between the services that
// write a message and those that read it. Written by hand, unlike the generated code beside it.

/** The platform's topics. */
export const topics = {
  authEvents: 'auth.events',
  notesEvents: 'notes.events',
  sagaCommands: 'saga.commands',
  sagaReplies: 'saga.replies',
  /** Messages that failed every retry, with the failure attached. */
  deadLetters: 'dlq',
} as const;

export type TopicName = (typeof topics)[keyof typeof topics];

export const allTopics: readonly TopicName[] = Object.values(topics);

/**
 * The envelope types of the events on auth.events and notes.events, keyed by the common.v1
 * message their payload is.
 */
export const eventTypes = {
  UserCreated: 'auth.UserCreated',
  UserDeleted: 'auth.UserDeleted',
  NoteCreated: 'notes.NoteCreated',
  NoteUpdated: 'notes.NoteUpdated',
  NoteDeleted: 'notes.NoteDeleted',
} as const;

export type EventType = (typeof eventTypes)[keyof typeof eventTypes];

/** The envelope types of the commands on saga.commands, keyed by the saga.v1 message their payload is. */
export const sagaCommandTypes = {
  CreateWelcomeNote: 'saga.CreateWelcomeNote',
  DeleteUserNotes: 'saga.DeleteUserNotes',
  DeleteUser: 'saga.DeleteUser',
} as const;

export type SagaCommandType = (typeof sagaCommandTypes)[keyof typeof sagaCommandTypes];

/** The envelope type of every reply on saga.replies (payload saga.v1.StepReply). */
export const sagaReplyType = 'saga.StepReply';
