import type { TagCount } from '../domain/tags.ts';
import type { NotesRepository } from './ports.ts';

export type ListTags = (ownerId: string) => Promise<TagCount[]>;

export interface ListTagsDependencies {
  notes: Pick<NotesRepository, 'countTags'>;
}

export function createListTags(deps: ListTagsDependencies): ListTags {
  return (ownerId) => deps.notes.countTags(ownerId);
}
