"""Gives the Moderators group exactly the comment permissions, and nothing else."""

from django.db import migrations

from lifescope import roles

MODERATOR_PERMISSIONS = ["view_comment", "change_comment", "delete_comment", "can_moderate"]


def grant(apps, schema_editor):
    roles.grant(apps, "Moderators", "comments", MODERATOR_PERMISSIONS)


def revoke(apps, schema_editor):
    roles.revoke(apps, "Moderators", "comments")


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
