"""Kernel reads: which shops a user may work in, and what a role may do there."""

from django.contrib.auth.models import Permission
from django.db.models import QuerySet

from sellercenter.models import Membership, Shop


def shop_ids_for_user(user) -> frozenset[int] | None:
    """The ids of the shops a staff user belongs to; None means every shop (the superuser).

    Cached on the user object: one query per request however often the admin asks."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_shop_ids_cache", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("shop_id", flat=True))
        user._shop_ids_cache = cached
    return cached


def shops_for_user(user) -> QuerySet[Shop]:
    shop_ids = shop_ids_for_user(user)
    shops = Shop.objects.all()
    return shops if shop_ids is None else shops.filter(pk__in=shop_ids)


def filter_by_user_shops(queryset: QuerySet, user, shop_field: str = "shop") -> QuerySet:
    """Keep only the rows of the shops the user belongs to (all rows for the superuser)."""
    shop_ids = shop_ids_for_user(user)
    if shop_ids is None:
        return queryset
    lookup = "pk__in" if queryset.model is Shop else f"{shop_field}__in"
    return queryset.filter(**{lookup: shop_ids})


def shop_id_of(obj) -> int | None:
    """The shop an object belongs to: every shop-owned table carries its own `shop` foreign key."""
    if isinstance(obj, Shop):
        return obj.pk
    return getattr(obj, "shop_id", None)


def role_permissions(roles) -> dict[str, frozenset[str]]:
    """{role: {"app_label.codename", ...}}: what each of `roles` grants (its group's permissions)."""
    perms_by_role: dict[str, set[str]] = {role: set() for role in roles}
    rows = Permission.objects.filter(group__name__in=perms_by_role).values_list(
        "group__name", "content_type__app_label", "codename"
    )
    for role, app_label, codename in rows:
        perms_by_role[role].add(f"{app_label}.{codename}")
    return {role: frozenset(perms) for role, perms in perms_by_role.items()}


def role_permissions_by_shop(user) -> dict[int, frozenset[str]]:
    """{shop id: {"app_label.codename", ...}} granted by the user's role in each shop."""
    cached = getattr(user, "_shop_role_perm_cache", None)
    if cached is not None:
        return cached
    roles = dict(Membership.objects.filter(user=user).values_list("shop_id", "role"))
    perms_by_role = role_permissions(set(roles.values()))
    cached = {shop_id: perms_by_role[role] for shop_id, role in roles.items()}
    user._shop_role_perm_cache = cached
    return cached
