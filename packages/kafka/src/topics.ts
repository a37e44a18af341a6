/** The platform's topics (docs/contract/events.md). */
export const topics = {
  authEvents: 'auth.events',
  notesEvents: 'notes.events',
  sagaCommands: 'saga.commands',
  sagaReplies: 'saga.replies',
  deadLetters: 'dlq',
} as const;

export type TopicName = (typeof topics)[keyof typeof topics];

export const allTopics: readonly TopicName[] = Object.values(topics);
