"""Two rate-limit budgets per client: comments posted, and attempts refused for a mistake.

Rows from before counted every attempt; they become the posts budget, and are gone with their
window within minutes anyway.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0004_rendered_thread"),
    ]

    operations = [
        migrations.AddField(
            model_name="ratelimitwindow",
            name="budget",
            field=models.CharField(
                choices=[("posts", "Comments posted"), ("refusals", "Attempts refused")],
                default="posts",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="ratelimitwindow",
            name="fingerprint",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="ratelimitwindow",
            constraint=models.UniqueConstraint(
                fields=("fingerprint", "budget"), name="rate_limit_window_client_uniq"
            ),
        ),
    ]
