"""Moves PostgreSQL search out of the wide article table into narrow `articles_search_entry` rows.

Ranking used to read each match's article row (body, vector and all) and count every match:
seconds for a common word over 100,000 stories. An entry holds what a search reads: the
headline and document vectors (see articles.search.PostgresBackend) and copies of the
status, publication time and section it filters on. Like 0004, none of it is in the model state.

The Python hooks in articles.search write the vectors; a trigger keeps the three copies in step
when a queryset update (publish and unpublish actions) changes them, and empties the table
when the article table is truncated (as test databases are). SQLite's FTS5 table is unchanged.
"""

from django.db import migrations

POSTGRES_CREATE = [
    "DROP INDEX IF EXISTS article_search_vector_idx",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
    """CREATE TABLE articles_search_entry (
        article_id bigint PRIMARY KEY,
        status varchar(10) NOT NULL,
        published_at timestamp with time zone,
        section_id bigint NOT NULL,
        headline tsvector NOT NULL,
        document tsvector NOT NULL
    )""",
    """CREATE FUNCTION articles_search_entry_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE articles_search_entry;
        ELSE
            UPDATE articles_search_entry
            SET status = NEW.status, published_at = NEW.published_at,
                section_id = NEW.section_id
            WHERE article_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER articles_search_entry_follow_update
    AFTER UPDATE OF status, published_at, section_id ON articles_article
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.published_at IS DISTINCT FROM NEW.published_at
        OR OLD.section_id IS DISTINCT FROM NEW.section_id
    ) EXECUTE FUNCTION articles_search_entry_follow()""",
    """CREATE TRIGGER articles_search_entry_follow_truncate
    AFTER TRUNCATE ON articles_article
    FOR EACH STATEMENT EXECUTE FUNCTION articles_search_entry_follow()""",
]
# After the table is filled, which is quicker. Without fastupdate, as a search would otherwise
# scan the pending list of recent saves on every query until a vacuum folds it in.
POSTGRES_INDEX = [
    "CREATE INDEX article_search_document_idx ON articles_search_entry"
    " USING gin (document) WITH (fastupdate = off)",
    "CREATE INDEX article_search_headline_idx ON articles_search_entry"
    " USING gin (headline) WITH (fastupdate = off)",
    "CREATE INDEX article_search_recent_idx"
    " ON articles_search_entry (published_at DESC, article_id DESC)",
    "ANALYZE articles_search_entry",
]
# Back to 0004's column, filled as 0004's code filled it.
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS articles_search_entry_follow_truncate ON articles_article",
    "DROP TRIGGER IF EXISTS articles_search_entry_follow_update ON articles_article",
    "DROP FUNCTION IF EXISTS articles_search_entry_follow()",
    "DROP TABLE IF EXISTS articles_search_entry",
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS article_search_vector_idx"
    " ON articles_article USING gin (search_vector)",
    """UPDATE articles_article AS a SET search_vector =
        setweight(to_tsvector('english', a.title), 'A')
        || setweight(to_tsvector('english', a.standfirst), 'B')
        || setweight(to_tsvector('english',
            regexp_replace(a.body, '<[^>]*>', ' ', 'g') || ' ' || coalesce((
                SELECT string_agg(t.name, ' ')
                FROM taggit_taggeditem ti
                JOIN taggit_tag t ON t.id = ti.tag_id
                JOIN django_content_type ct ON ct.id = ti.content_type_id
                WHERE ct.app_label = 'articles' AND ct.model = 'article'
                    AND ti.object_id = a.id
            ), '')), 'C')""",
]


def create_entries(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_CREATE:
        schema_editor.execute(statement)
    from articles.search import PostgresBackend

    PostgresBackend(schema_editor.connection.alias).rebuild(batch_size=None)
    for statement in POSTGRES_INDEX:
        schema_editor.execute(statement)


def drop_entries(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_editorial_fields"),
    ]

    operations = [migrations.RunPython(create_entries, drop_entries, elidable=False)]
