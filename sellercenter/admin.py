"""Admin for the kernel: shops, staff memberships, API keys, the audit log, the outbox's background tasks.

Saves go through the kernel's services, so each change of a setting writes its audit row."""

from axes import admin as axes_admin
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from sellercenter import outbox, services
from sellercenter.actor import Actor
from sellercenter.admin_base import ModelAdmin, ReadOnlyAdminMixin, ShopScopedAdmin, ShopScopedForm, adopt_saved
from sellercenter.models import ApiKey, ApiScope, AuditEntry, Membership, OutboxMessage, OutboxStatus, Shop

admin.site.site_header = admin.site.site_title = _("Seller Center")
admin.site.index_title = _("Home")
# The index is the seller's home: to-dos, figures and charts (sellercenter.insights.admin_home).
admin.site.index_template = "admin/sellercenter/home.html"

# Staff accounts and roles in the admin theme too.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


# The login lockout's records (django-axes, for superusers) in the admin theme too.
for _model, _axes_admin in [
    (axes_admin.AccessAttempt, axes_admin.AccessAttemptAdmin),
    (axes_admin.AccessLog, axes_admin.AccessLogAdmin),
    (axes_admin.AccessFailureLog, axes_admin.AccessFailureLogAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, type(_axes_admin.__name__, (_axes_admin, ModelAdmin), {}))


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    list_display = ["name", "slug", "currency", "time_zone", "handling_days", "return_window_days", "is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active"]}),
        (_("Contact"), {"fields": ["contact_email", "contact_phone"]}),
        (
            _("Operations"),
            {"fields": ["currency", "time_zone", "handling_days", "return_window_days", "payment_timeout_minutes"]},
        ),
    ]

    def get_list_filter(self, request):
        return self.list_filter  # A shop is not filtered by shop.

    def save_model(self, request, obj, form, change):
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            adopt_saved(obj, services.shop_update(shop=obj, actor=Actor.staff(request.user), **changed))
            return
        shop = services.shop_create(**{f: form.cleaned_data[f] for f in form.cleaned_data})
        adopt_saved(obj, shop)


@admin.register(Membership)
class MembershipAdmin(ShopScopedAdmin):
    list_display = ["user", "shop", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "shop"]
    search_fields = ["user__username", "user__email", "shop__name"]

    def save_model(self, request, obj, form, change):
        membership = services.membership_set(
            user=obj.user, shop=obj.shop, role=obj.role, actor=Actor.staff(request.user)
        )
        adopt_saved(obj, membership)

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, actor=Actor.staff(request.user))

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("shop"):
            self.delete_model(request, membership)


class ApiKeyCreateForm(ShopScopedForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["shop", "name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(ShopScopedAdmin):
    list_display = ["name", "shop", "prefix", "scopes", "created_at", "last_used_at", "active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["shop"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["shop", "name", "scopes"]
        return ["shop", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else super().get_readonly_fields(request, obj)

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj):
        return obj.is_active

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        data = form.cleaned_data
        api_key, secret = services.api_key_create(
            shop=data["shop"], name=data["name"], scopes=data["scopes"], created_by=request.user
        )
        adopt_saved(obj, api_key)
        request.api_key_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is shown on this page only: it is neither stored nor put in a message cookie.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "api_key": obj,
            "secret": request.api_key_secret,
            "title": _("API key created"),
        }
        return TemplateResponse(request, "admin/sellercenter/apikey/created.html", context)

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke(self, request, queryset):
        self.call_service_for_each(
            request,
            queryset.filter(revoked_at__isnull=True),
            services.api_key_revoke,
            target="api_key",
            done_message=lambda count: ngettext("%(count)d API key revoked.", "%(count)d API keys revoked.", count),
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Every side effect waiting, running, done or failed; dead letters can be sent again."""

    list_display = ["key", "task", "shop", "status", "attempts", "available_at", "short_error", "created_at"]
    list_filter = ["status", "task"]
    list_select_related = ["shop"]
    search_fields = ["key", "task"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        "key",
        "task",
        "kwargs",
        "queue",
        "shop",
        "status",
        "attempts",
        "available_at",
        "dispatched_at",
        "lease_expires_at",
        "done_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    def has_retry_permission(self, request):
        return request.user.has_perm("sellercenter.change_outboxmessage")

    @admin.action(description=_("Retry selected failed tasks"), permissions=["retry"])
    def retry(self, request, queryset):
        self.call_service_for_each(
            request,
            queryset.filter(status=OutboxStatus.DEAD),
            outbox.outbox_retry,
            arguments=lambda message: {"message": message},
            done_message=lambda count: ngettext("%(count)d task sent again.", "%(count)d tasks sent again.", count),
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """The audit log ("Nhật ký thay đổi"): read only, each shop's own rows (every shop's for the operator)."""

    list_display = ["at", "actor", "action", "content_type", "object_repr", "changed_fields"]
    list_filter = [
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "at",
        "actor_kind",
        ("user", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["shop", "user", "api_key", "content_type"]
    search_fields = ["object_repr", "actor_label"]
    date_hierarchy = "at"
    fields = [
        "shop",
        "at",
        "actor_kind",
        "user",
        "api_key",
        "actor_label",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "changes",
    ]
    readonly_fields = fields

    @admin.display(description=_("who"), ordering="actor_label")
    def actor(self, obj):
        label = obj.get_actor_kind_display()
        return f"{label} ({obj.actor_label})" if obj.actor_label else label

    @admin.display(description=_("changes"))
    def changed_fields(self, obj):
        return "; ".join(f"{name}: {old} → {new}" for name, (old, new) in obj.changes.items())
