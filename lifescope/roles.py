"""Newsroom roles for data migrations: give a group exactly an app's listed permissions.

Called with a migration's historical `apps`, so it works at any point in the migration graph.
"""

from django.contrib.auth.management import create_permissions


def grant(apps, group_name, app_label, codenames):
    """Adds `codenames` of `app_label` to the group `group_name`, creating both if needed."""
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )


def revoke(apps, group_name, app_label):
    """Takes every permission of `app_label` away from the group `group_name`."""
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name=group_name).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label))
