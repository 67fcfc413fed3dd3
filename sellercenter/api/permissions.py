"""Which shop a request works in, and whether the caller may call this endpoint there.

With an API key the shop is the key's. Staff using the API with their browser session name the shop
in the `X-Shop` header (its slug) unless they belong to exactly one. Every view then filters by
`request.shop`, so another shop's object is simply not found.

Every view declares, per method, what it needs (the only place an endpoint's access is decided):

    required_scopes = {"GET": STOREFRONT_AND_BACK_OFFICE, "POST": BACK_OFFICE_ONLY}   # or one tuple
    required_permissions = {"GET": "customers.view_customer", "POST": "customers.erase_customer"}

An API key needs one of the scopes (back office when the view does not say); a staff session needs
the model permission in the request's shop (through the role backend). A method without a declared
permission is refused to everybody: forgetting the declaration closes an endpoint, never opens it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from sellercenter.access import ROLE_REFUSED, has_shop_permission
from sellercenter.api.base import BACK_OFFICE_ONLY
from sellercenter.models import ApiKey, ApiScope, Shop
from sellercenter.selectors import shops_for_user

SHOP_HEADER = "X-Shop"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Access:
    """What one method of an endpoint needs: a model permission for staff, one of the scopes for keys."""

    permission: str
    scopes: tuple[str, ...]


def _for_method(declared, method: str, default=None):
    return declared.get(method, default) if isinstance(declared, dict) else (declared or default)


def declared_access(view, method: str) -> Access | None:
    """The access `view` (a class or an instance) declares for `method`; None when it declares none.

    HEAD follows GET; OPTIONS (the description of the endpoint) follows GET, or the first method the
    view declares."""
    permissions_map = getattr(view, "required_permissions", None)
    method = "GET" if method.upper() == "HEAD" else method.upper()
    if method == "OPTIONS":
        declared = [m for m in ("GET", *WRITE_METHODS) if _for_method(permissions_map, m)]
        method = declared[0] if declared else method
    permission = _for_method(permissions_map, method)
    if not permission:
        return None
    scopes = _for_method(getattr(view, "required_scopes", None), method, BACK_OFFICE_ONLY)
    return Access(permission=permission, scopes=tuple(scopes))


def is_back_office(request) -> bool:
    """Back-office keys and staff sessions (staff are back office by definition)."""
    return not isinstance(request.auth, ApiKey) or request.auth.has_scope(ApiScope.BACK_OFFICE)


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


def _serves(view, method: str) -> bool:
    return method in ("HEAD", "OPTIONS") or hasattr(view, method.lower())


class ShopAccess(permissions.BasePermission):
    """Sets `request.shop`, then checks the method's declared access (module docstring)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        request.shop = api_key.shop if api_key else _shop_for_staff(request)
        if not _serves(view, request.method):
            return True  # the view answers 405
        access = declared_access(view, request.method)
        if access is None:
            raise exceptions.PermissionDenied(_("This endpoint declares no permission, so nobody may call it."))
        if api_key is not None:
            if not any(api_key.has_scope(scope) for scope in access.scopes):
                raise exceptions.PermissionDenied(
                    _("This API key lacks the scope this endpoint needs: %(scopes)s.")
                    % {"scopes": " or ".join(access.scopes)}
                )
        elif not has_shop_permission(request.user, access.permission, request.shop):
            raise exceptions.PermissionDenied(str(ROLE_REFUSED))
        return True
