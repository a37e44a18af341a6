// A note's title, content and tag-count rules (and a search's q) are written three times: the BFF's JSON schema (answers 400
// before any call), the .proto's protovalidate rules (notes-service's validationInterceptor) and
// the domain (the rule itself, whoever calls). Changing one without the others fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DescField, getOption } from '@bufbuild/protobuf';
import { field as fieldRules } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { CreateNoteRequestSchema, ListNotesRequestSchema, UpdateNoteRequestSchema } from '@notes/contracts/notes/v1';
import * as rest from '../../services/bff-rest/src/http/schemas.ts';
import { InvalidNote, InvalidNoteFilter } from '../../services/notes-service/src/domain/errors.ts';
import {
  assertValidNoteFields,
  contentMaxLength,
  titleMaxLength,
} from '../../services/notes-service/src/domain/note.ts';
import { noteOrders } from '../../services/notes-service/src/domain/note-filter.ts';
import { parseSearchQuery, searchQueryMaxLength } from '../../services/notes-service/src/domain/search-query.ts';
import { maxTagsPerNote, normalizeTags } from '../../services/notes-service/src/domain/tags.ts';

interface LengthRules {
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: string | undefined;
}

function protoRules(field: DescField | undefined): LengthRules {
  assert.ok(field, 'the field exists in the .proto');
  const rules = getOption(field, fieldRules);
  assert.equal(rules.type.case, 'string', `${field.name} has string rules`);
  // A rule left out reads as its zero value, which would also constrain nothing.
  const { minLen, maxLen, pattern } = rules.type.value;
  return {
    minLength: minLen ? Number(minLen) : undefined,
    maxLength: maxLen ? Number(maxLen) : undefined,
    pattern: pattern || undefined,
  };
}

/** A JSON schema's string keywords (TypeBox's types do not name them). */
function restRules(schema: object): LengthRules {
  const { minLength, maxLength, pattern } = schema as Partial<LengthRules>;
  return { minLength, maxLength, pattern };
}

const protoMessages = { create: CreateNoteRequestSchema, update: UpdateNoteRequestSchema };
const restSchemas = { create: rest.CreateNoteRequestSchema, update: rest.UpdateNoteRequestSchema };

for (const request of ['create', 'update'] as const) {
  test(`${request}: the title rules of the BFF, the .proto and the domain are the same`, () => {
    const expected: LengthRules = { minLength: 1, maxLength: titleMaxLength, pattern: rest.notBlankPattern };
    assert.deepEqual(restRules(restSchemas[request].properties.title), expected, 'BFF');
    assert.deepEqual(protoRules(protoMessages[request].field.title), expected, '.proto');
  });

  test(`${request}: the content rules of the BFF, the .proto and the domain are the same`, () => {
    const expected: LengthRules = { minLength: undefined, maxLength: contentMaxLength, pattern: undefined };
    assert.deepEqual(restRules(restSchemas[request].properties.content), expected, 'BFF');
    assert.deepEqual(protoRules(protoMessages[request].field.content), expected, '.proto');
  });
}

test('the domain holds the same rules: a title of 1 to the maximum characters, not blank; a content up to its maximum', () => {
  const refused = (title: string, content: string) =>
    assert.throws(() => assertValidNoteFields({ title, content }), InvalidNote, JSON.stringify({ title, content }));
  assertValidNoteFields({ title: 'x'.repeat(titleMaxLength), content: 'x'.repeat(contentMaxLength) });
  refused('', '');
  refused(' \t', '');
  refused('x'.repeat(titleMaxLength + 1), '');
  refused('x', 'x'.repeat(contentMaxLength + 1));
  // The blank rule is the BFF's and the .proto's pattern: a title matches it exactly when the domain takes it.
  for (const title of ['', '   ', '\u00a0', 'a', ' a ']) {
    const domainTakes = title.trim() !== '';
    assert.equal(new RegExp(rest.notBlankPattern, 'u').test(title), domainTakes, JSON.stringify(title));
  }
});

for (const request of ['create', 'update'] as const) {
  test(`${request}: the BFF, the .proto and the domain take the same number of tags`, () => {
    const restTags = restSchemas[request].properties.tags as unknown as { maxItems?: number; items: object };
    assert.equal(restTags.maxItems, maxTagsPerNote, 'BFF');
    assert.equal(rest.maxTagsPerNote, maxTagsPerNote, "the BFF's constant");
    const field = protoMessages[request].field.tags;
    assert.ok(field, 'the field exists in the .proto');
    const rules = getOption(field, fieldRules);
    assert.equal(rules.type.case, 'repeated', 'tags has repeated rules');
    assert.equal(Number(rules.type.value.maxItems), maxTagsPerNote, '.proto');
    // Only the domain judges a tag's text (it normalizes first): the edges take any string.
    assert.deepEqual(restRules(restTags.items), { minLength: undefined, maxLength: undefined, pattern: undefined });
  });
}

test('the domain takes as many tags as the edges, and no more', () => {
  const tags = Array.from({ length: maxTagsPerNote + 1 }, (_, i) => `tag${i}`);
  assert.equal(normalizeTags(tags.slice(0, maxTagsPerNote)).length, maxTagsPerNote);
  assert.throws(
    () => normalizeTags(tags),
    (error) => error instanceof InvalidNote && error.field === 'tags',
  );
});

test("the search's q: the BFF, the .proto and the domain take 1 to the same number of characters", () => {
  const expected: LengthRules = { minLength: 1, maxLength: searchQueryMaxLength, pattern: undefined };
  assert.deepEqual(restRules(rest.ListNotesQuerySchema.properties.q), expected, 'BFF');
  // notes-service takes an empty q as no search; a too long one the .proto already refuses.
  assert.deepEqual(protoRules(ListNotesRequestSchema.field.q), { ...expected, minLength: undefined }, '.proto');
  parseSearchQuery('x'.repeat(searchQueryMaxLength));
  assert.throws(() => parseSearchQuery('x'.repeat(searchQueryMaxLength + 1)), InvalidNoteFilter);
});

test('the sort orders of the BFF and the domain are the same', () => {
  assert.deepEqual((rest.ListNotesQuerySchema.properties.sort as unknown as { enum: string[] }).enum, [...noteOrders]);
  assert.deepEqual(rest.noteOrders, noteOrders);
});
