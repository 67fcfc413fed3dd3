"""Whether a staff member may do something in a shop: the one check the API and the admin share.

A permission is a model permission name (`"customers.erase_customer"`); what a user holds in a shop
is what their role there grants (sellercenter.auth_backends). The API's views declare the names they
need (sellercenter.api.permissions); the admin's custom actions and pages call these functions with
the same names, so a role may do the same things on both.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

ROLE_REFUSED = _("Your role in this shop may not do this.")


def has_shop_permission(user, permission: str, target) -> bool:
    """Whether `user`'s role in the shop of `target` (a Shop, or a row with a `shop`) grants `permission`."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return user.has_perm(permission, target)


def require_shop_permission(user, permission: str, target) -> None:
    """Refuse (Django's PermissionDenied: 403 in the admin and the API) unless `has_shop_permission`."""
    if not has_shop_permission(user, permission, target):
        raise PermissionDenied(ROLE_REFUSED)
