// The data the search and filter figures read: one user with 100,000 notes, written straight into
// notes-service's database by one INSERT ... SELECT generate_series (seconds, where the API would
// take minutes). Notes are English (60 %) or Russian, their words drawn with a skew (a few common,
// most rare) from the lists below; about a fifth carry a tag, one in twenty is pinned, one in
// fifty archived, created a minute apart. The draw is skewed (index ⌊len × r³⌋): "the", "project",
// "проект" are in most notes, the words at a list's end in a few percent, as rarer words are.
import pg from 'pg';

const english =
  'the project meeting plan team review budget report call email client design draft release fix bug test deploy server database query index search note list idea book read write travel trip flight hotel ticket visa passport shopping milk bread eggs coffee tea apple garden house rent repair car insurance doctor dentist gym run swim yoga birthday gift party dinner lunch recipe soup salad movie music concert guitar piano lesson course exam study homework school family mother father sister brother friend weekend holiday summer winter spring autumn morning evening tomorrow today monday friday deadline invoice payment tax bank account salary contract interview resume office remote laptop phone backup password update upgrade migration schema cache kafka postgres'.split(
    ' ',
  );
const russian =
  'проект встреча план команда обзор бюджет отчёт звонок письмо клиент дизайн черновик релиз исправить ошибка тест сервер база запрос индекс поиск заметка список идея книга читать писать путешествие поездка билет гостиница виза паспорт покупки молоко хлеб яйца кофе чай яблоко сад дом аренда ремонт машина страховка врач стоматолог спортзал бег плавание йога день рождения подарок ужин обед рецепт суп салат фильм музыка концерт гитара урок курс экзамен учёба школа семья мама папа сестра брат друг выходные отпуск лето зима весна осень утро вечер завтра сегодня понедельник пятница срок счёт оплата налог банк зарплата договор собеседование резюме офис ноутбук телефон пароль обновление'.split(
    ' ',
  );
const tags = ['work', 'home', 'shopping', 'travel', 'ideas', 'работа', 'дом', 'учёба'];

export const searchSeed = {
  notes: 100_000,
  /** The two words of GET /v1/notes?q=: each in ~5 % of the notes, together in ~0.4 % (~400 matches to rank). */
  q: 'backup password',
  /** What notes-service's tsqueryText (services/notes-service/src/db/note-pages.ts) makes of q. */
  tsquery: "('backup':*) & ('password':*)",
  /** A tag about 1 note in 35 carries. */
  tag: 'travel',
};

const insertNotes = `
WITH lists AS (SELECT $2::text[] AS en, $3::text[] AS ru, $4::text[] AS tags),
n AS (SELECT i, random() < 0.6 AS english FROM generate_series(1, $5::int) AS i)
INSERT INTO notes (id, owner_id, title, content, tags, pinned, archived, version, created_at, updated_at, kind)
SELECT md5($1 || '-' || i)::uuid, $1::uuid,
  initcap(words(CASE WHEN english THEN lists.en ELSE lists.ru END, 2 + (random() * 4)::int)),
  words(CASE WHEN english THEN lists.en ELSE lists.ru END, 5 + (random() * 35)::int),
  CASE WHEN random() < 0.2 THEN ARRAY[lists.tags[1 + (random() * 7)::int]] ELSE '{}' END,
  random() < 0.05, random() < 0.02, 1,
  now() - make_interval(mins => i), now() - make_interval(mins => i), 'note'
FROM n, lists`;

const wordsFunction = `
CREATE OR REPLACE FUNCTION pg_temp.words(list text[], n int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(list[1 + floor(cardinality(list) * random() ^ 3)::int], ' ') FROM generate_series(1, n)
$$`;

/** Writes searchSeed.notes notes of ownerId into the notes database at url, then ANALYZE. */
export async function seedSearchNotes(url: string, ownerId: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(wordsFunction);
    await client.query(insertNotes.replaceAll('words(', 'pg_temp.words('), [
      ownerId,
      english,
      russian,
      tags,
      searchSeed.notes,
    ]);
    await client.query('ANALYZE notes');
  } finally {
    await client.end();
  }
}
