"""Lets the Editors group read article revisions and restore them; Moderators get neither."""

from django.db import migrations

from lifescope import roles

EDITOR_PERMISSIONS = ["view_revision", "restore_revision"]


def grant(apps, schema_editor):
    roles.grant(apps, "Editors", "editorial", EDITOR_PERMISSIONS)


def revoke(apps, schema_editor):
    roles.revoke(apps, "Editors", "editorial")


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("articles", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
