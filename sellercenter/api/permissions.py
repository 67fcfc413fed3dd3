"""Which shop a request works in, and whether it may.

With an API key the shop is the key's. Staff using the API with their browser session name the shop
in the `X-Shop` header (its slug) unless they belong to exactly one. Every view then filters by
`request.shop`, so another shop's object is simply not found.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from sellercenter.models import ApiKey, ApiScope, Shop
from sellercenter.selectors import shops_for_user

SHOP_HEADER = "X-Shop"


def _shop_for_staff(request) -> Shop:
    user = request.user
    if not user.is_staff:
        raise exceptions.PermissionDenied(_("Only staff may use the API with a session."))
    shops = shops_for_user(user).filter(is_active=True)
    slug = request.headers.get(SHOP_HEADER)
    if slug:
        shop = shops.filter(slug=slug).first()
        if shop is None:
            raise exceptions.PermissionDenied(_("You do not work in the shop named by X-Shop."))
        return shop
    candidates = list(shops[:2])
    if len(candidates) != 1:
        raise exceptions.PermissionDenied(_("Name the shop in the X-Shop header."))
    return candidates[0]


class ShopAccess(permissions.BasePermission):
    """Sets `request.shop` and checks the key's scopes against the view's `required_scopes`.

    A view lists the scopes that may call it; a key needs one of them. Views that do not say are
    back-office only, so forgetting the attribute never opens an endpoint to storefront keys.
    Staff sessions count as back office."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if isinstance(request.auth, ApiKey):
            shop = request.auth.shop
            scopes = getattr(view, "required_scopes", (ApiScope.BACK_OFFICE,))
            if not any(request.auth.has_scope(scope) for scope in scopes):
                raise exceptions.PermissionDenied(
                    _("This API key lacks the scope this endpoint needs: %(scopes)s.") % {"scopes": " or ".join(scopes)}
                )
        else:
            shop = _shop_for_staff(request)
        request.shop = shop
        return True
