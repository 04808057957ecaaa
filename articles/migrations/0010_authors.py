"""Authors' public profiles (articles/authors.py), one for every user who has written.

Each is named after the person, at an address made from their full name ("author-1" and on for
someone without one), never from the login name pages used to show. Editors may change them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import articles.authors
from articles.authors import UNNAMED_AUTHOR, author_slugs
from lifescope import roles


def create_profiles(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Author = apps.get_model("articles", "Author")
    Article = apps.get_model("articles", "Article")
    taken = set(Author.objects.values_list("slug", flat=True))
    writers = User.objects.filter(
        pk__in=Article.objects.values("author"), author_profile__isnull=True
    ).order_by("pk")
    profiles = []
    for user in writers:
        name = f"{user.first_name} {user.last_name}".strip()[:150]
        slug = next(slug for slug in author_slugs(name, user.username) if slug not in taken)
        taken.add(slug)
        profiles.append(Author(user=user, name=name or UNNAMED_AUTHOR, slug=slug))
    Author.objects.bulk_create(profiles)


def let_editors_edit_profiles(apps, schema_editor):
    # Profiles are made by the articles that need them and deleted with their user.
    roles.grant(apps, "Editors", "articles", ["change_author", "view_author"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_listing_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The name bylines and the author page show.",
                        max_length=150,
                        verbose_name="display name",
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="The author page's address; keep it stable.",
                        max_length=80,
                        unique=True,
                    ),
                ),
                (
                    "bio",
                    models.TextField(
                        blank=True,
                        help_text="A few sentences of plain text for the author page.",
                        max_length=600,
                    ),
                ),
                (
                    "photo",
                    models.ImageField(
                        blank=True,
                        height_field="photo_height",
                        upload_to=articles.authors.author_photo_path,
                        width_field="photo_width",
                    ),
                ),
                ("photo_renditions", models.JSONField(blank=True, default=dict, editable=False)),
                ("photo_width", models.PositiveIntegerField(blank=True, editable=False, null=True)),
                (
                    "photo_height",
                    models.PositiveIntegerField(blank=True, editable=False, null=True),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="author_profile",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
            },
        ),
        migrations.RunPython(create_profiles, migrations.RunPython.noop),
        migrations.RunPython(let_editors_edit_profiles, migrations.RunPython.noop),
    ]
