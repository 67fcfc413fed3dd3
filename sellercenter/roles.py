"""Role permissions, granted by data migrations.

Each role is a Django group named after `Role` (owner, operations, marketing, accountant). An app
grants its own models' permissions to the roles in a data migration of its own:

    def grant(apps, schema_editor):
        grant_role_permissions(apps, {"owner": ["orders.*"], "accountant": ["orders.view_order"]})

`"app.*"` means every permission of the app; `"app.view_*"` every view permission of the app.
"""

from sellercenter.models import Role


def _ensure_permissions(apps) -> None:
    # Permissions are normally created after all migrations ran; a data migration needs them now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _matching(Permission, pattern: str):
    app_label, _sep, codename = pattern.partition(".")
    queryset = Permission.objects.filter(content_type__app_label=app_label)
    if codename == "*":
        return queryset
    if codename.endswith("*"):
        return queryset.filter(codename__startswith=codename[:-1])
    return queryset.filter(codename=codename)


def grant_role_permissions(apps, grants: dict[str, list[str]]) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, patterns in grants.items():
        if role not in Role.values:
            raise ValueError(f"unknown role {role!r}")
        group, _created = Group.objects.get_or_create(name=role)
        for pattern in patterns:
            permissions = list(_matching(Permission, pattern))
            if not permissions:
                raise ValueError(f"no permission matches {pattern!r}")
            group.permissions.add(*permissions)


def revoke_role_permissions(apps, grants: dict[str, list[str]]) -> None:
    """The reverse of `grant_role_permissions`, for reversible migrations."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, patterns in grants.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for pattern in patterns:
            group.permissions.remove(*_matching(Permission, pattern))
