"""The listing indexes end with the listings' whole order: newest first, then id.

Ending at published_at, the index left ties on the time to a sort of each page's rows, and
SQLite then weighs that sort against others. With statistics (`ANALYZE`, `PRAGMA optimize`),
it chose to loop over the few authors and sections and sort every published article: 0.4 to
0.6 s for the front page of 100,000 articles. Ending at the id, the index alone gives the
order, and SQLite reads the first page off its end with or without statistics.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_scale_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="article_published_idx",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_section_idx",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_author_idx",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_featured_idx",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "-published_at", "-id"], name="article_published_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["section", "status", "-published_at", "-id"], name="article_section_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["author", "status", "-published_at", "-id"], name="article_author_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["featured", "status", "-published_at", "-id"], name="article_featured_idx"
            ),
        ),
    ]
