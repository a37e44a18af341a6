import type { components } from './gen/openapi.ts';

export {
  type AccessToken,
  authorization,
  bearerToken,
  createNotesApiClient,
  type NotesApiClient,
  type NotesApiClientOptions,
} from './client.ts';
export type { components, paths } from './gen/openapi.ts';
export { dataOrThrow, isProblem, type Problem, ProblemError } from './problem.ts';

/** The document's schemas by name: `Schemas['Note']`, `Schemas['NotePage']`, `Schemas['TokenPair']`, ... */
export type Schemas = components['schemas'];
