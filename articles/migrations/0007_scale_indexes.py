"""Indexes the pages need to cost the same with 1,000 or 100,000 articles.

taggit's own indexes on its item table order a tag's rows by nothing useful. This one lists a
tag's articles newest id first, so related stories read a bounded number of a tag's most recent
articles (articles.related), and the tag page counts a tag's articles from one covering index.
The table belongs to taggit, so the index is SQL outside any model's state, like 0004's.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_entries"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS taggeditem_tag_recent_idx"
            " ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            "DROP INDEX IF EXISTS taggeditem_tag_recent_idx",
        ),
    ]
