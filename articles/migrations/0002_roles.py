"""Creates the newsroom roles with exactly the permissions each needs."""

from django.db import migrations

from lifescope import roles

EDITOR_PERMISSIONS = {
    "articles": [
        "add_article", "change_article", "delete_article", "view_article",
        "preview_article", "publish_article",
        "add_section", "change_section", "delete_section", "view_section",
    ],
    "taggit": ["add_tag", "change_tag", "delete_tag", "view_tag"],
}  # fmt: skip


def create_roles(apps, schema_editor):
    for app_label, codenames in EDITOR_PERMISSIONS.items():
        roles.grant(apps, "Editors", app_label, codenames)
    # Moderators get their permissions from the comments app's own migration.
    apps.get_model("auth", "Group").objects.get_or_create(name="Moderators")


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Moderators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
