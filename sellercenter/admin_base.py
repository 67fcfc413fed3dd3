"""The base of every shop-owned ModelAdmin and inline.

Staff see and choose only rows of their own shops: changelist, change page (another shop's object is
a 404), foreign-key and many-to-many choices, autocomplete and exports all go through `get_queryset`
or the scoped form fields. The shop is chosen among the user's shops (set for them when they have
one) and cannot be moved afterwards. The superuser (marketplace operator) sees every shop.
Every shop-owned model has its own `shop` foreign key, so one rule serves them all.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import StackedInline, TabularInline
from unfold.admin import checkbox as unfold_checkbox
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from sellercenter.access import has_shop_permission
from sellercenter.actor import Actor
from sellercenter.errors import DomainError
from sellercenter.models import Shop
from sellercenter.selectors import filter_by_user_shops, shop_ids_for_user, shops_for_user


def scope_choices(queryset, user):
    """Limit a related model's choices to the user's shops, when that model belongs to shops."""
    model = queryset.model
    if model is Shop:
        return shops_for_user(user)
    if model is get_user_model():
        shop_ids = shop_ids_for_user(user)
        if shop_ids is None:
            return queryset
        return queryset.filter(memberships__shop__in=shop_ids).distinct()
    if _has_shop_field(model):
        return filter_by_user_shops(queryset, user)
    return queryset


def _has_shop_field(model) -> bool:
    return any(field.name == "shop" for field in model._meta.get_fields())


class ShopScopedForm(forms.ModelForm):
    """Refuses a related row of another shop than the object's (possible for multi-shop staff)."""

    def clean(self):
        cleaned = super().clean()
        shop = cleaned.get("shop") or getattr(self.instance, "shop", None)
        if shop is None:
            return cleaned
        for name, value in list(cleaned.items()):
            related = value if isinstance(value, QuerySet | list | tuple) else [value]
            if any(getattr(item, "shop_id", shop.pk) not in (shop.pk, None) for item in related):
                self.add_error(name, _("This belongs to another shop."))
        return cleaned


class ShopScopedMixin:
    form = ShopScopedForm

    def get_queryset(self, request):
        return filter_by_user_shops(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_choices(field.queryset, request.user)
            if db_field.name == "shop" and not request.user.is_superuser:
                shops = list(field.queryset[:2])
                if len(shops) == 1:
                    field.initial = shops[0].pk
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_choices(field.queryset, request.user)
        return field

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and _has_shop_field(self.model) and "shop" not in readonly:
            readonly.append("shop")  # A row never moves to another shop.
        return readonly

    def has_view_permission(self, request, obj=None):
        return self._has_shop_perm(request, "view", obj) or self._has_shop_perm(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return self._has_shop_perm(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._has_shop_perm(request, "delete", obj)

    def _has_shop_perm(self, request, action, obj):
        """The role's permission in the object's shop; without an object, in any of the user's shops."""
        opts = self.opts
        perm = f"{opts.app_label}.{action}_{opts.model_name}"
        return request.user.has_perm(perm, obj) if obj is not None else request.user.has_perm(perm)


def form_add_domain_error(form: forms.Form, error: DomainError, *, renamed=None) -> None:
    """Show a service's refusal on the form: each message on the field it names (`renamed` maps the
    service's name to the form's, as a dict or a function), the rest on the form itself, still
    saying which field they are about."""
    if not error.fields:
        form.add_error(None, str(error))
        return
    for name, field_messages in error.fields.items():
        mapped = renamed(name) if callable(renamed) else (renamed or {}).get(name, name)
        field = mapped.split(".")[0]
        if field in form.fields:
            form.add_error(field, field_messages)
        else:
            form.add_error(None, [f"{name}: {message}" for message in field_messages])


def domain_error_message(error: DomainError) -> str:
    """A service's refusal as one admin message: what it says, then what it says of each field."""
    said = [str(error)]
    for name, field_messages in (error.fields or {}).items():
        said += [f"{name}: {message}" for message in field_messages if str(message) not in said]
    return " ".join(said)


def adopt_saved(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service saved (the admin builds its redirect, success
    message and log entry from `obj`, but the service is what writes)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state = saved._state


@admin.display(description=gettext_lazy("by"))
def actor_shown(obj) -> str:
    """The "by" column of a row that records its actor (`ActorRecord`): list it in `list_display` or
    `readonly_fields`, with `user` and `api_key` in the list's `select_related`."""
    return obj.actor_shown


class ServiceActionMixin:
    """Admin actions that run a service, optionally after an intermediate page with a form.

    `service_action_form` shows the page (the selected rows, an optional message, the form) until
    it comes back valid; `call_service` runs a service and turns its refusal into an error message, never a
    500; `call_service_for_each` runs it per selected row and reports how many were done and, in one
    warning, which were refused and why. `ObjectActionsMixin` adds the same on an object's page."""

    action_form_template = "admin/service_action.html"
    # The hidden field by which the intermediate page says it was submitted.
    action_submitted = ("apply", "1")

    def call_service(self, request, service, /, **kwargs):
        """Run a service for an admin action; a refusal becomes an error message, not a 500."""
        try:
            return service(**kwargs)
        except DomainError as error:
            self.message_user(request, domain_error_message(error), level=messages.ERROR)
            return None
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), level=messages.ERROR)
            return None

    def service_action_form(self, request, queryset, *, title, form_class=forms.Form, message="", submit_label=None):
        """(the valid form, None) once the intermediate page was submitted valid; until then
        (None, the page) to return from the action."""
        name, value = self.action_submitted
        form = form_class(request.POST if request.POST.get(name) == value else None)
        if form.is_valid():
            return form, None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "message": message,
            "form": form,
            "objects": queryset,
            "action": request.POST.get("action"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "submitted_name": name,
            "submitted_value": value,
            "submit_label": submit_label or _("Apply"),
        }
        return None, TemplateResponse(request, self.action_form_template, context)

    def call_service_for_each(
        self, request, objects, service, *, done_message, target="", arguments=None, permission=None
    ) -> int:
        """Call `service(**arguments(obj))` for every object (only those the user holds `permission`
        on, when given); without `arguments`, `service(<target>=obj, actor=<the staff member>)`.
        `done_message` (ngettext-style, with %(count)d) reports how many were done; the refusals
        follow in one warning, each after the object it is about (the first `refusals_listed` of
        them, then how many more). Returns how many were done."""
        if arguments is None:
            actor = Actor.staff(request.user)

            def arguments(obj):
                return {target: obj, "actor": actor}

        done, refused = 0, []
        for obj in objects:
            if permission is not None and not has_shop_permission(request.user, permission, obj):
                refused.append(_("%(object)s: not allowed.") % {"object": obj})
                continue
            try:
                service(**arguments(obj))
            except DomainError as error:
                refused.append(f"{obj}: {domain_error_message(error)}")
            except ValidationError as error:
                refused.append(f"{obj}: {'; '.join(error.messages)}")
            else:
                done += 1
        self.message_user(request, done_message(done) % {"count": done})
        if refused:
            self.message_user(request, self._refusals(refused), level=messages.WARNING)
        return done

    refusals_listed = 20

    def _refusals(self, refused: list[str]) -> str:
        listed = "; ".join(refused[: self.refusals_listed])
        more = len(refused) - self.refusals_listed
        if more <= 0:
            return listed
        return f"{listed}; " + ngettext("and %(count)d more.", "and %(count)d more.", more) % {"count": more}


class ActionForm(forms.Form):
    """Input of one object action; `service_kwargs` are the service's other arguments.

    Its fields sit inside the admin's change form but belong to the action's own form element
    (the HTML `form` attribute), prefixed with the action's name."""

    def __init__(self, *args, target=None, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.target = target

    def bind_to_html_form(self, form_id: str) -> "ActionForm":
        for field in self.fields.values():
            field.widget.attrs["form"] = form_id
        return self

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ObjectActionsMixin:
    """Buttons (with a small form where the action needs input) for the actions the object's state
    allows, on its change page; each posts to `<id>/do/<action>/`, which calls the service as
    `service(<service_target>=obj, actor=<the staff member>, **form.service_kwargs())`, through
    `call_service` (a refusal is an error message). The page saves nothing itself.

    Declare `object_actions` (name -> (label, service, ActionForm subclass or None)),
    `service_target`, and `available_actions(obj)`, the names the object's state allows."""

    change_form_template = "admin/object_actions_change_form.html"
    object_actions: dict = {}
    service_target: str = ""

    def available_actions(self, obj) -> list[str]:
        raise NotImplementedError

    def get_urls(self):
        opts = self.opts
        do = path(
            "<path:object_id>/do/<str:name>/",
            self.admin_site.admin_view(self.action_view),
            name=f"{opts.app_label}_{opts.model_name}_do",
        )
        return [do, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        actions = []
        if obj is not None and self.has_change_permission(request, obj):
            for name in self.available_actions(obj):
                label, _service, form_class = self.object_actions[name]
                form = form_class(target=obj, prefix=name).bind_to_html_form(f"action-{name}") if form_class else None
                actions.append({"name": name, "label": label, "form": form})
        # Every field is read-only: the page changes things through its actions, never by saving.
        extra_context = {
            **(extra_context or {}),
            "object_actions": actions,
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, object_id, name):
        return require_POST(self._do)(request, object_id, name)

    def _do(self, request, object_id, name):
        obj = self.get_object(request, object_id)
        if name not in self.object_actions or not self.has_change_permission(request, obj):
            raise PermissionDenied
        label, service, form_class = self.object_actions[name]
        form = form_class(request.POST, target=obj, prefix=name) if form_class else None
        if form is not None and not form.is_valid():
            said = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
            self.message_user(request, said, level=messages.ERROR)
        else:
            kwargs = form.service_kwargs() if form is not None else {}
            actor = Actor.staff(request.user)
            if self.call_service(request, service, **{self.service_target: obj}, actor=actor, **kwargs) is not None:
                self.message_user(request, _("%(action)s: done.") % {"action": label}, level=messages.SUCCESS)
        opts = self.opts
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


class CappedCountPaginator(Paginator):
    """Counts a list only up to `cap` rows: past that the page says "more than 10.000". Counting a
    filtered list of a million orders is most of a page's time, and nobody pages that deep; the
    OFFSET of the last page reachable stays below `cap` rows."""

    cap = 10_000
    template_name = "admin/sellercenter/pagination_capped.html"

    @cached_property
    def count(self) -> int:
        # SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1): it stops reading at the cap.
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


_PK = "__row_pk__"


@functools.cache
def _row_checkbox_parts(language: str) -> tuple[str, ...]:
    return tuple(unfold_checkbox.render(ACTION_CHECKBOX_NAME, _PK).split(_PK))


class ModelAdmin(UnfoldModelAdmin):
    """The theme's ModelAdmin with the attributes its list template reads of every row. The theme does
    not define `list_sections` (rows that expand into sections, which no list here has): the template
    asked for it twice per row, and each failed lookup made Django's template engine list every
    attribute of the ModelAdmin (`dir()`) to see whether a property had failed, a twentieth of a
    50-row page."""

    list_sections = ()


def row_checkbox(pk) -> str:
    """The theme's action checkbox of a list row. Rendering its widget template for every row was a
    sixth of a 50-row list's time: it is rendered once per language (its label is translated), and
    each row puts its own key in."""
    parts = _row_checkbox_parts(get_language() or "")
    return mark_safe(escape(str(pk)).join(parts))  # noqa: S308 (the theme's HTML, an escaped key)


class ShopScopedAdmin(ServiceActionMixin, ShopScopedMixin, ModelAdmin):
    """Every app's ModelAdmin: shop-scoped, in the admin theme (django-unfold), with one formatting rule."""

    def action_checkbox(self, obj):
        return row_checkbox(obj.pk)

    action_checkbox.short_description = ModelAdmin.action_checkbox.short_description

    list_filter_submit = True
    warn_unsaved_form = True
    paginator = CappedCountPaginator
    # The unfiltered count beside a filtered list is a second full count: "Show all" instead.
    show_full_result_count = False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect with "does not exist"; another shop's object must look absent.
            raise Http404(_("Not found."))
        return obj

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        shop_ids = shop_ids_for_user(request.user)
        if shop_ids is not None and len(shop_ids) == 1 and "shop" in columns[1:]:
            columns.remove("shop")  # The same shop on every row: room for what differs.
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if "shop" not in filters:
            shop_ids = shop_ids_for_user(request.user)
            if shop_ids is None or len(shop_ids) > 1:
                filters.insert(0, "shop")
        return filters


class InlineTabMixin:
    """Inlines open as tabs of the change page (long pages stay short); the row title repeats the
    row's own columns, so it is hidden."""

    tab = True
    hide_title = True


class ShopScopedTabularInline(InlineTabMixin, ShopScopedMixin, TabularInline):
    pass


class ShopScopedStackedInline(InlineTabMixin, ShopScopedMixin, StackedInline):
    pass


class ShopImportForm(ImportForm):
    shop = forms.ModelChoiceField(queryset=Shop.objects.none(), label=gettext_lazy("shop"))


class ShopConfirmImportForm(ConfirmImportForm):
    shop = forms.ModelChoiceField(queryset=Shop.objects.none(), widget=forms.HiddenInput())


class ShopImportMixin(ImportExportMixin):
    """django-import-export for a shop-owned model: the import form names the shop the rows go to,
    chosen among the user's shops, and the resource receives it as `shop`.

    `import_resource_kwargs(request)` adds what a resource needs besides the shop (e.g. the actor)."""

    import_form_class = ShopImportForm
    confirm_form_class = ShopConfirmImportForm
    export_form_class = ExportForm

    def _limit_shops(self, form, request):
        form.fields["shop"].queryset = shops_for_user(request.user)
        return form

    def create_import_form(self, request):
        return self._limit_shops(super().create_import_form(request), request)

    def create_confirm_form(self, request, import_form=None):
        return self._limit_shops(super().create_confirm_form(request, import_form), request)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["shop"] = import_form.cleaned_data["shop"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        shop = form.cleaned_data["shop"] if form is not None and form.is_valid() else None
        return {"shop": shop, **self.import_resource_kwargs(request)}

    def import_resource_kwargs(self, request) -> dict:
        return {}


class ReadOnlyAdminMixin:
    """Records written by services only: staff may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
