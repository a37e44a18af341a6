export { decodeEnvelope, type Event, type EventRecord, encodeEvent } from './envelope.ts';
export { allTopics, type TopicName, topics } from './topics.ts';
