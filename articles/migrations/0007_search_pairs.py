"""Adjacent word pairs for PostgreSQL phrase search (see articles.search.postgres).

A phrase needs word positions, which the document's GIN index does not hold: PostgreSQL reads
the document vector (kilobytes, out of line) of every story with all the phrase's words, most
stories when the words are common. `pairs` holds a 32-bit hash of each adjacent lexeme pair
of the document, with a GIN index, so a phrase's pairs find about the stories with the phrase;
their positions are still checked. md5 rather than hashtext: the hashes outlive PostgreSQL
upgrades, and a collision only costs one more check.

A trigger derives the pairs from the document, so the indexing code (and migration 0006's
use of it) is unchanged. SQLite's FTS5 table needs nothing: FTS5 indexes positions.
"""

from django.db import migrations

POSTGRES_CREATE = [
    """CREATE FUNCTION articles_search_pairs(document tsvector) RETURNS integer[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT
            ('x' || left(md5(a.lexeme || ' ' || b.lexeme), 8))::bit(32)::integer), '{}')
        FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS a
        JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS b
            ON b.position = a.position + 1
    $$""",
    "ALTER TABLE articles_search_entry ADD COLUMN pairs integer[] NOT NULL DEFAULT '{}'",
    # The pairs (about a kilobyte of hashes, which do not compress) go out of line like the
    # document, so the rows a search walks stay narrow: a tier or a count reads a few thousand
    # rows, thirty to a page rather than three. The headline stays in the row, where ranking
    # and the headline tier read it.
    "ALTER TABLE articles_search_entry ALTER COLUMN pairs SET STORAGE EXTERNAL",
    "ALTER TABLE articles_search_entry ALTER COLUMN headline SET STORAGE MAIN",
    "ALTER TABLE articles_search_entry SET (toast_tuple_target = 512)",
    """CREATE FUNCTION articles_search_entry_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.pairs := articles_search_pairs(NEW.document);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER articles_search_entry_pairs
    BEFORE INSERT OR UPDATE OF document ON articles_search_entry
    FOR EACH ROW EXECUTE FUNCTION articles_search_entry_pairs()""",
    "UPDATE articles_search_entry SET pairs = articles_search_pairs(document)",
    # Without fastupdate, as in 0006: no pending list for every search to scan.
    "CREATE INDEX article_search_pairs_idx ON articles_search_entry"
    " USING gin (pairs) WITH (fastupdate = off)",
    # A search in one section walks its stories newest first, or counts them with a bitmap.
    "CREATE INDEX article_search_section_recent_idx"
    " ON articles_search_entry (section_id, published_at DESC, article_id DESC)",
    "ANALYZE articles_search_entry",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS article_search_section_recent_idx",
    "ALTER TABLE articles_search_entry RESET (toast_tuple_target)",
    "ALTER TABLE articles_search_entry ALTER COLUMN headline SET STORAGE EXTENDED",
    "DROP TRIGGER IF EXISTS articles_search_entry_pairs ON articles_search_entry",
    "DROP FUNCTION IF EXISTS articles_search_entry_pairs()",
    "ALTER TABLE articles_search_entry DROP COLUMN IF EXISTS pairs",
    "DROP FUNCTION IF EXISTS articles_search_pairs(tsvector)",
]


def create_pairs(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop_pairs(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_entries"),
    ]

    operations = [migrations.RunPython(create_pairs, drop_pairs, elidable=False)]
