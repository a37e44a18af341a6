/** A command to a participant: the envelope type (e.g. "saga.CreateWelcomeNote") and its binary payload. */
export interface SagaCommand {
  type: string;
  payload: Uint8Array;
}

/** What a command is built from: the saga it belongs to. */
export interface SagaSubject {
  id: string;
  /** The user the saga is about, when it is about one. */
  userId: string | null;
  /** The saga's input, as given when it was started. */
  payload: Record<string, unknown>;
}

export type CommandBuilder = (saga: SagaSubject) => SagaCommand;

export interface SagaStepDefinition {
  /** Stored and shown (e.g. "create_welcome_note"); unique within its saga. */
  name: string;
  /** Asks a participant to perform the step. */
  command: CommandBuilder;
  /**
   * Asks a participant to undo the step. It runs for every step that succeeded before a failure,
   * and for the failing step itself (a command that timed out may still have acted), so it must be
   * idempotent and harmless when the step never took effect. None: the step is not undone.
   */
  compensation?: CommandBuilder;
}

/** A saga type: its ordered steps. */
export interface SagaDefinition {
  /** e.g. "SignUpSaga". */
  type: string;
  steps: readonly SagaStepDefinition[];
}

/** Throws when the definitions cannot be run: no steps, two steps or two types of one name. */
export function assertValidDefinitions(definitions: readonly SagaDefinition[]): void {
  const types = new Set<string>();
  for (const definition of definitions) {
    if (types.has(definition.type)) throw new Error(`saga type ${definition.type} is defined twice`);
    types.add(definition.type);
    if (definition.steps.length === 0) throw new Error(`saga type ${definition.type} has no steps`);
    const names = new Set(definition.steps.map((step) => step.name));
    if (names.size !== definition.steps.length) throw new Error(`saga type ${definition.type} repeats a step name`);
  }
}
