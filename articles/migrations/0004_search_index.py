"""The full-text index for articles.search, created only on the database that can use it.

Neither structure is part of the model state: on PostgreSQL a tsvector column and its GIN
index (never loaded by listings), on SQLite an FTS5 table. Other databases get nothing and
search falls back to LIKE.
"""

from django.db import migrations

POSTGRES_CREATE = [
    "ALTER TABLE articles_article ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS article_search_vector_idx"
    " ON articles_article USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS article_search_vector_idx",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_search USING fts5("
    "title, standfirst, body, tags, tokenize = 'porter unicode61 remove_diacritics 2')"
]
SQLITE_DROP = ["DROP TABLE IF EXISTS articles_search"]


def sqlite_has_fts5(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        return bool(cursor.fetchone()[0])


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statements = POSTGRES_CREATE
    elif connection.vendor == "sqlite" and sqlite_has_fts5(connection):
        statements = SQLITE_CREATE
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)
    # Fills the index for existing articles; reads only columns that exist since 0001.
    from articles.search import rebuild_index

    rebuild_index(using=connection.alias)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_comment_and_popularity_flags"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
