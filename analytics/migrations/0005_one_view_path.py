"""One path for a view (analytics/counting.py): the database is the only dedupe.

Views no longer pass through Redis, so its batch keys go; the sightings of fixed clock windows
become one row per visitor and article holding the time of their last counted read. The file
offsets are kept as they are (renamed), so lines logged before the upgrade are still counted
exactly once.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_hourly_views"),
    ]

    operations = [
        migrations.DeleteModel(name="FlushedBatch"),
        migrations.DeleteModel(name="FallbackSighting"),
        migrations.RenameModel(old_name="BufferCheckpoint", new_name="ViewLogOffset"),
        migrations.AlterField(
            model_name="viewlogoffset",
            name="name",
            field=models.CharField(
                help_text="Folder id, then file name.", max_length=100, unique=True
            ),
        ),
        migrations.CreateModel(
            name="ViewSighting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("visitor", models.CharField(max_length=64)),
                ("article_id", models.BigIntegerField()),
                (
                    "counted_at",
                    models.BigIntegerField(help_text="Epoch seconds of the last counted read."),
                ),
            ],
            options={
                "ordering": ["-counted_at"],
                "indexes": [models.Index(fields=["counted_at"], name="view_sighting_age_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("visitor", "article_id"), name="view_sighting_once"
                    )
                ],
            },
        ),
    ]
