"""Staff permissions come from their role in each shop.

Each role (owner, operations, marketing, accountant) is a Django group holding that role's model
permissions. A user's permissions, asked without an object, are the union over the roles they hold
(that is what opens an admin page); asked with an object, they are those of the role in the object's
shop (an accountant in shop A who owns shop B cannot change A's rows). The superuser has them all.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from sellercenter.selectors import role_permissions_by_shop, shop_id_of


class ShopRoleBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        roles = user_obj.memberships.values("role")
        return Permission.objects.filter(group__name__in=roles)

    def get_all_permissions(self, user_obj, obj=None):
        if obj is None:
            return super().get_all_permissions(user_obj)
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        shop_id = shop_id_of(obj)
        if shop_id is None:
            return super().get_all_permissions(user_obj)
        return set(role_permissions_by_shop(user_obj).get(shop_id, frozenset()))
