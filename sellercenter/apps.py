from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellerCenterConfig(AppConfig):
    name = "sellercenter"
    verbose_name = _("Shops and staff")
