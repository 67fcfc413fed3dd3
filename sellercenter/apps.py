from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellerCenterConfig(AppConfig):
    name = "sellercenter"
    verbose_name = _("Shops and staff")

    def ready(self):
        from django.db.backends.signals import connection_created

        from sellercenter.admin_site import install_admin_reverse_once, install_list_headers_once
        from sellercenter.formatting import install_admin_money_display
        from sellercenter.text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="sellercenter.text.register_sqlite_fold")

        install_admin_money_display()
        install_list_headers_once()
        install_admin_reverse_once()
