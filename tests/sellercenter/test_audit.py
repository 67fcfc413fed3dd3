"""The audit log: the kernel's services write it (API keys, staff roles, shop settings), and owners
read their shop's rows on a read-only admin page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sellercenter import services
from sellercenter.actor import Actor, ActorKind
from sellercenter.audit import audit_changes
from sellercenter.models import ApiScope, AuditAction, AuditEntry, Membership, Role
from tests.sellercenter.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


def _entries(shop, action=None):
    entries = AuditEntry.objects.filter(shop=shop)
    return list(entries.filter(action=action) if action else entries)


def _rows_of(obj) -> list[AuditEntry]:
    """The object's audit rows, oldest first."""
    return list(
        AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name).order_by("pk")
    )


def test_issuing_and_revoking_a_key_is_recorded_with_the_staff_member(shop, owner):
    api_key, _secret = services.api_key_create(
        shop=shop, name="Website", scopes=[ApiScope.STOREFRONT], created_by=owner
    )
    services.api_key_revoke(api_key=api_key, actor=Actor.staff(owner))

    created, revoked = _rows_of(api_key)
    assert (created.user, created.actor_kind, created.object_id) == (owner, ActorKind.STAFF, str(api_key.pk))
    assert created.changes == {"name": [None, "Website"], "scopes": [None, ["storefront"]]}
    assert revoked.user == owner
    assert revoked.changes["revoked_at"][0] is None and revoked.changes["revoked_at"][1]


def test_a_role_given_changed_and_taken_away_is_recorded(shop, owner):
    user = UserFactory()
    actor = Actor.staff(owner)

    membership = services.membership_set(user=user, shop=shop, role=Role.MARKETING, actor=actor)
    services.membership_set(user=user, shop=shop, role=Role.ACCOUNTANT, actor=actor)
    services.membership_remove(membership=Membership.objects.get(pk=membership.pk), actor=actor)

    rows = _rows_of(membership)
    assert [(row.action, row.changes.get("role")) for row in rows] == [
        (AuditAction.CREATE, [None, "marketing"]),
        (AuditAction.UPDATE, ["marketing", "accountant"]),
        (AuditAction.DELETE, ["accountant", None]),
    ]
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_shop_settings_changes_record_old_and_new_and_nothing_when_nothing_changed(shop, owner):
    actor = Actor.staff(owner)

    services.shop_update(shop=shop, actor=actor, return_window_days=14, handling_days=shop.handling_days)
    services.shop_update(shop=shop, actor=actor, return_window_days=14)

    (row,) = _entries(shop, AuditAction.UPDATE)
    assert row.changes == {"return_window_days": [7, 14]}
    assert row.object_repr == shop.name


def test_a_refused_shop_setting_changes_nothing_and_records_nothing(shop, owner):
    with pytest.raises(ValidationError) as refusal:
        services.shop_update(shop=shop, actor=Actor.staff(owner), return_window_days=365)

    assert "return_window_days" in refusal.value.message_dict
    shop.refresh_from_db()
    assert shop.return_window_days == 7
    assert _entries(shop, AuditAction.UPDATE) == []


@pytest.mark.parametrize("zone", ["Asia/Bangkok", "Asia/Saigon"])
def test_a_shop_takes_any_time_zone_of_the_time_zone_database(shop, owner, zone):
    assert services.shop_update(shop=shop, actor=Actor.staff(owner), time_zone=zone).time_zone == zone


def test_a_time_zone_the_database_does_not_know_is_refused(shop, owner):
    with pytest.raises(ValidationError) as refusal:
        services.shop_update(shop=shop, actor=Actor.staff(owner), time_zone="Asia/Hanoi")

    assert "time_zone" in refusal.value.message_dict
    shop.refresh_from_db()
    assert shop.time_zone == "Asia/Ho_Chi_Minh"


def test_a_system_job_is_named_in_the_log(shop):
    api_key, _secret = services.api_key_create(
        shop=shop, name="Demo", scopes=[ApiScope.BACK_OFFICE], actor=Actor.system("seed demo")
    )

    (row,) = _rows_of(api_key)
    assert (row.actor_kind, row.actor_label, row.user) == (ActorKind.SYSTEM, "seed demo", None)


def test_changes_list_only_the_fields_that_differ():
    assert audit_changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


# --- Admin ------------------------------------------------------------------------------------------


def test_saving_the_shop_in_the_admin_goes_through_the_service(owner_client, shop):
    url = reverse("admin:sellercenter_shop_change", args=[shop.pk])
    data = {
        "name": shop.name,
        "is_active": "on",
        "contact_email": shop.contact_email,
        "contact_phone": "",
        "currency": shop.currency,
        "time_zone": shop.time_zone,
        "handling_days": "3",
        "return_window_days": str(shop.return_window_days),
        "payment_timeout_minutes": str(shop.payment_timeout_minutes),
        "slug": shop.slug,
    }

    assert owner_client.post(url, data).status_code == 302
    (row,) = _entries(shop, AuditAction.UPDATE)
    assert row.changes == {"handling_days": [2, 3]}


def test_owners_read_their_shops_log_only_and_cannot_change_it(owner_client, owner, shop, other_shop):
    services.shop_update(shop=shop, actor=Actor.staff(owner), handling_days=4)
    services.shop_update(shop=other_shop, actor=Actor.system(), handling_days=5)
    changelist = reverse("admin:sellercenter_auditentry_changelist")

    response = owner_client.get(changelist, {"action__exact": "update"})

    assert response.status_code == 200
    assert [row.shop for row in response.context["cl"].queryset] == [shop]
    theirs = AuditEntry.objects.get(shop=other_shop, action=AuditAction.UPDATE)
    mine = AuditEntry.objects.get(shop=shop, action=AuditAction.UPDATE)
    assert owner_client.get(reverse("admin:sellercenter_auditentry_change", args=[theirs.pk])).status_code == 404
    page = owner_client.get(reverse("admin:sellercenter_auditentry_change", args=[mine.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert owner_client.get(reverse("admin:sellercenter_auditentry_add")).status_code == 403


def test_other_roles_do_not_see_the_log_and_the_operator_sees_every_shop(client, admin_client, shop, other_shop):
    services.shop_update(shop=other_shop, actor=Actor.system(), handling_days=5)
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    changelist = reverse("admin:sellercenter_auditentry_changelist")

    assert client.get(changelist).status_code == 403
    assert admin_client.get(changelist).context["cl"].queryset.filter(shop=other_shop).exists()


def test_the_log_is_called_nhat_ky_thay_doi_in_vietnamese(owner_client):
    response = owner_client.get(reverse("admin:sellercenter_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE="vi")

    assert "Nhật ký thay đổi" in response.content.decode()
