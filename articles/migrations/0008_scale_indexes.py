"""Indexes the pages need to cost the same with 1,000 or 100,000 articles.

article_views_idx and the partial article_pinned_idx let the popular box read the most viewed
articles from the top of an index and stop at five (articles.sidebars), pinned or not.

taggit's own indexes on its item table order a tag's rows by nothing useful. This one lists a
tag's articles newest id first, so related stories read a bounded number of a tag's most recent
articles (articles.related), and the tag page counts a tag's articles from one covering index.
The table belongs to taggit, so the index is SQL outside any model's state, like 0004's.

On PostgreSQL a join from articles (bigint ids) to taggit's integer object_id compares
`object_id::bigint`, which no plain index serves: counting related stories' shared tags read
all 300,000 item rows. taggeditem_article_idx indexes that very expression.
"""

from django.db import migrations, models

ARTICLE_JOIN_INDEX = "taggeditem_article_idx"


def add_article_join_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {ARTICLE_JOIN_INDEX}"
            " ON taggit_taggeditem (content_type_id, (object_id::bigint))"
        )


def drop_article_join_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {ARTICLE_JOIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_search_pairs"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["-view_count", "-published_at", "-id"], name="article_views_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("popular_pinned", True)),
                fields=["-view_count", "-published_at", "-id"],
                name="article_pinned_idx",
            ),
        ),
        migrations.RunPython(add_article_join_index, drop_article_join_index),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS taggeditem_tag_recent_idx"
            " ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            "DROP INDEX IF EXISTS taggeditem_tag_recent_idx",
        ),
    ]
