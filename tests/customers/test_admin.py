import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services
from customers.models import Address, ConsentRecord, Customer, CustomerMerge, PersonalDataRequest, Segment
from sellercenter.models import Role
from tests.customers.factories import ConsentFactory, CustomerFactory, EventFactory
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:customers_customer_changelist")


def shown(response) -> set:
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.mark.parametrize("term", ["0912 345 678", "+84912345678", "84912345678", "912345", "Lan", "lan@example"])
def test_search_by_name_email_or_phone_typed_any_way(owner_client, shop, term):
    lan = CustomerFactory(shop=shop, full_name="Nguyễn Thị Lan", email="lan@example.vn", phone="+84912345678")
    CustomerFactory(shop=shop, full_name="Trần Văn Minh", email="minh@example.vn", phone="+84987654321")

    assert shown(owner_client.get(CHANGELIST, {"q": term})) == {lan}


def test_filters_by_consent_and_duplicates(owner_client, shop):
    subscriber = CustomerFactory(shop=shop)
    ConsentFactory(customer=subscriber, shop=shop, channel="zalo", recorded_at=datetime(2026, 1, 1, tzinfo=UTC))
    twin_a = CustomerFactory(shop=shop, email="twin@example.vn")
    twin_b = CustomerFactory(shop=shop, email="twin@example.vn")

    assert shown(owner_client.get(CHANGELIST, {"consent": "zalo"})) == {subscriber}
    assert shown(owner_client.get(CHANGELIST, {"duplicate": "yes"})) == {twin_a, twin_b}


def test_the_changelist_shows_only_the_shops_customers(owner_client, shop, other_shop):
    mine = CustomerFactory(shop=shop)
    theirs = CustomerFactory(shop=other_shop)

    assert shown(owner_client.get(CHANGELIST)) == {mine}
    assert owner_client.get(reverse("admin:customers_customer_change", args=[theirs.pk])).status_code == 404


def test_the_changelist_runs_a_fixed_number_of_queries(owner_client, shop, django_assert_max_num_queries):
    CustomerFactory(shop=shop)
    with CaptureQueriesContext(connection) as one:
        owner_client.get(CHANGELIST)
    for _ in range(30):
        CustomerFactory(shop=shop)
    with django_assert_max_num_queries(len(one.captured_queries)):
        owner_client.get(CHANGELIST)


def test_the_change_page_shows_facts_timeline_consent_and_duplicates(owner_client, shop):
    customer = CustomerFactory(shop=shop, phone="+84912345678")
    twin = CustomerFactory(shop=shop, phone="+84912345678")
    EventFactory(customer=customer, shop=shop, type="add_to_cart", properties={"sku": "AO-THUN-01", "quantity": 2})
    services.customer_record_purchase(
        customer=customer, amount=Decimal("1250000"), ordered_at=datetime(2026, 3, 1, 3, tzinfo=UTC), discounted=False
    )

    page = owner_client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content.decode()

    assert "1.250.000 ₫" in page
    assert "sku: AO-THUN-01, quantity: 2" in page
    assert reverse("admin:customers_customer_change", args=[twin.pk]) in page


def _customer_form(shop, **fields):
    data = {
        "shop": shop.pk,
        "external_id": "",
        "full_name": "Phạm Quốc Dũng",
        "email": "",
        "phone": "0912 345 678",
        "gender": "",
        "birth_date": "",
        "tags_text": "VIP, khách sỉ",
        "note": "",
        "acquisition_channel": "pos",
        "acquisition_source": "",
        "utm_source": "",
        "utm_medium": "",
        "utm_campaign": "",
        "referred_by": "",
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "0",
        "addresses-0-recipient_name": "Dũng",
        "addresses-0-phone": "0912345678",
        "addresses-0-street": "12 Hàng Bạc",
        "addresses-0-ward": "Hoàn Kiếm",
        "addresses-0-province": "Hà Nội",
        "addresses-0-is_default": "on",
        "addresses-1-recipient_name": "Dũng",
        "addresses-1-phone": "0912345678",
        "addresses-1-street": "1 Lê Lợi",
        "addresses-1-ward": "Bến Nghé",
        "addresses-1-province": "TP. Hồ Chí Minh",
        "addresses-1-is_default": "on",
        "consent_records-TOTAL_FORMS": "0",
        "consent_records-INITIAL_FORMS": "0",
    }
    return {**data, **fields}


def test_adding_a_customer_normalises_the_phone_and_keeps_one_default_address(owner_client, shop):
    response = owner_client.post(reverse("admin:customers_customer_add"), _customer_form(shop))

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(shop=shop)
    assert customer.phone == "+84912345678"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["khách sỉ", "vip"]
    assert customer.addresses.count() == 2
    assert Address.objects.filter(customer=customer, is_default=True).count() == 1


def test_a_bad_phone_is_a_form_error_and_nothing_is_saved(owner_client, shop):
    response = owner_client.post(reverse("admin:customers_customer_add"), _customer_form(shop, phone="12"))

    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Customer.objects.exists()


def _action(client, action, customers, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in customers], **extra}
    return client.post(CHANGELIST, data)


def test_erase_asks_first_then_erases_and_records(owner_client, shop):
    customer = CustomerFactory(shop=shop, full_name="Lê Thu Hương")

    asked = _action(owner_client, "erase_personal_data", [customer])
    assert asked.status_code == 200 and "Lê Thu Hương" in asked.content.decode()
    assert Customer.objects.get(pk=customer.pk).erased_at is None

    _action(owner_client, "erase_personal_data", [customer], confirm="yes", reason="Khách gọi hotline")

    customer.refresh_from_db()
    assert customer.full_name == "" and customer.erased_at is not None
    assert PersonalDataRequest.objects.get(customer=customer, kind="erase").reason == "Khách gọi hotline"


def test_merge_keeps_the_profile_with_most_orders(owner_client, shop):
    small = CustomerFactory(shop=shop, phone="+84912345678")
    big = CustomerFactory(shop=shop, phone="+84912345678")
    services.customer_record_purchase(
        customer=big, amount=Decimal("100000"), ordered_at=datetime(2026, 3, 1, tzinfo=UTC), discounted=False
    )

    _action(owner_client, "merge_duplicates", [small, big], confirm="yes")

    assert Customer.objects.get(pk=small.pk).merged_into_id == big.pk
    assert CustomerMerge.objects.get().target == big


def test_export_downloads_json_and_is_recorded(owner_client, shop):
    customer = CustomerFactory(shop=shop, full_name="Lê Thu Hương")

    response = _action(owner_client, "export_personal_data", [customer])

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["profile"]["full_name"] == "Lê Thu Hương"
    assert PersonalDataRequest.objects.filter(customer=customer, kind="export").count() == 1


def test_marketing_staff_cannot_erase(client, shop):
    client.force_login(staff_user(shop, Role.MARKETING))
    customer = CustomerFactory(shop=shop)

    _action(client, "erase_personal_data", [customer], confirm="yes")

    assert Customer.objects.get(pk=customer.pk).erased_at is None


def test_staff_record_consent_through_the_service(owner_client, owner, shop):
    customer = CustomerFactory(shop=shop)
    url = reverse("admin:customers_consentrecord_add")
    base = {
        "customer": customer.pk,
        "channel": "sms",
        "source": "hotline",
        "recorded_at_0": "01/03/2026",
        "recorded_at_1": "10:00:00",
        "evidence": "{}",
    }

    refused = owner_client.post(url, {**base, "granted": "on", "wording_version": ""})
    assert refused.status_code == 200 and "wording_version" in refused.context["adminform"].form.errors

    owner_client.post(url, {**base, "granted": "on", "wording_version": "2025-01"})
    record = ConsentRecord.objects.get()
    assert (record.recorded_by, record.shop_id, record.granted) == (owner, shop.pk, True)


def test_segment_changelist_counts_members_in_one_query_per_page(owner_client, shop, django_assert_max_num_queries):
    services.customer_record_purchase(
        customer=CustomerFactory(shop=shop),
        amount=Decimal("1"),
        ordered_at=datetime(2026, 3, 1, tzinfo=UTC),
        discounted=False,
    )
    url = reverse("admin:customers_segment_changelist")
    with CaptureQueriesContext(connection) as before:
        response = owner_client.get(url)
    counts = {s.builtin: s.member_count for s in response.context["cl"].result_list}
    assert counts["buyers"] == 1 and counts["browsers"] == 0
    for i in range(5):
        services.segment_create(shop=shop, name=f"Nhóm {i}", rules=[{"kind": "consent", "channel": "email"}])
    with django_assert_max_num_queries(len(before.captured_queries)):
        owner_client.get(url)


def test_a_bad_rule_is_a_form_error(owner_client, shop):
    response = owner_client.post(
        reverse("admin:customers_segment_add"),
        {"shop": shop.pk, "name": "Sai", "match": "all", "rules": '[{"kind": "consent", "channel": "fax"}]'},
    )

    assert response.status_code == 200
    assert "rules" in response.context["adminform"].form.errors
    assert not Segment.objects.filter(name="Sai").exists()


def test_segment_members_export_as_csv(owner_client, shop, other_shop):
    buyer = CustomerFactory(shop=shop, full_name="=HYPERLINK()")
    services.customer_record_purchase(
        customer=buyer, amount=Decimal("1"), ordered_at=datetime(2026, 3, 1, tzinfo=UTC), discounted=False
    )
    segment = Segment.objects.get(shop=shop, builtin="buyers")
    theirs = Segment.objects.get(shop=other_shop, builtin="buyers")

    response = owner_client.get(reverse("admin:customers_segment_members_csv", args=[segment.pk]))

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK()" in lines[1]
    assert owner_client.get(reverse("admin:customers_segment_members_csv", args=[theirs.pk])).status_code == 404


def test_csv_import_previews_errors_and_deduplicates(owner_client, shop):
    existing = CustomerFactory(
        shop=shop, external_id=None, email="lan@example.vn", phone="+84912345678", full_name="Lan"
    )
    csv = (
        "external_id,full_name,email,phone,gender,tags\n"
        "web-1,Nguyễn Thị Lan,LAN@example.vn,,female,vip\n"
        "web-2,Trần Văn Minh,,0987 654 321,,\n"
        "web-3,Sai số,,12345,,\n"
        "web-4,Khách cũ,,01662 345 678,,\n"
    )
    upload = SimpleUploadedFile("khach.csv", csv.encode("utf-8"), content_type="text/csv")
    url = reverse("admin:customers_customer_import")
    preview = owner_client.post(url, {"shop": shop.pk, "format": "0", "import_file": upload, "resource": "0"})

    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = [row for row in result.invalid_rows]
    assert len(invalid) == 1 and "phone" in invalid[0].error_dict
    assert Customer.objects.filter(shop=shop).count() == 1  # a preview saves nothing

    good = csv.replace("web-3,Sai số,,12345,,\n", "")
    upload = SimpleUploadedFile("khach.csv", good.encode("utf-8"), content_type="text/csv")
    preview = owner_client.post(url, {"shop": shop.pk, "format": "0", "import_file": upload, "resource": "0"})
    confirm = preview.context["confirm_form"]
    done = owner_client.post(reverse("admin:customers_customer_process_import"), {**confirm.initial, "shop": shop.pk})

    assert done.status_code == 302
    existing.refresh_from_db()
    assert (existing.gender, existing.full_name) == ("female", "Nguyễn Thị Lan")  # matched by e-mail
    assert list(existing.tags.values_list("name", flat=True)) == ["vip"]
    assert Customer.objects.get(shop=shop, phone="+84987654321").external_id == "web-2"
    assert Customer.objects.get(shop=shop, phone="+84362345678").full_name == "Khách cũ"
    assert Customer.objects.filter(shop=shop).count() == 3


def test_the_owner_records_a_request_received_and_the_erasure_carries_it_out(owner_client, owner, shop, client):
    customer = CustomerFactory(shop=shop, full_name="Lê Thu Hương")
    add = reverse("admin:customers_personaldatarequest_add")

    response = owner_client.post(add, {"customer": customer.pk, "kind": "erase", "reason": "Khách gọi hotline"})

    assert response.status_code == 302
    request = PersonalDataRequest.objects.get()
    assert (request.shop_id, request.requested_by, request.completed_at) == (shop.pk, owner, None)
    listed = owner_client.get(reverse("admin:customers_personaldatarequest_changelist"), {"status": "open"})
    assert listed.context["cl"].result_count == 1
    _action(owner_client, "erase_personal_data", [customer], confirm="yes", reason="Đã xác nhận")
    assert PersonalDataRequest.objects.get().completed_at is not None
    listed = owner_client.get(reverse("admin:customers_personaldatarequest_changelist"), {"status": "open"})
    assert listed.context["cl"].result_count == 0

    client.force_login(staff_user(shop, Role.MARKETING))
    assert client.post(add, {"customer": customer.pk, "kind": "export"}).status_code == 403
    assert PersonalDataRequest.objects.count() == 1


def test_a_request_for_an_erased_customer_is_a_form_error(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    services.customer_erase(customer=customer)

    response = owner_client.post(
        reverse("admin:customers_personaldatarequest_add"), {"customer": customer.pk, "kind": "export"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert PersonalDataRequest.objects.count() == 1


def test_the_customer_page_keeps_the_profile_on_top_and_the_rest_in_tabs(owner_client, shop):
    customer = CustomerFactory(shop=shop)

    page = owner_client.get(reverse("admin:customers_customer_change", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="vi")

    fieldsets = list(page.context["adminform"])
    assert "tab" not in fieldsets[0].classes and "full_name" in fieldsets[0].fields
    assert all("tab" in fieldset.classes for fieldset in fieldsets[1:]) and len(fieldsets) == 6
    assert 'x-data="{ activeFieldsetTab:' in page.content.decode()


def test_a_recorded_request_shows_who_when_and_whether_it_was_carried_out(owner_client, shop):
    customer = CustomerFactory(shop=shop)
    services.customer_export(customer=customer)
    request = PersonalDataRequest.objects.get()

    page = owner_client.get(reverse("admin:customers_personaldatarequest_change", args=[request.pk]))

    assert page.status_code == 200
    shown = page.context["adminform"].fieldsets[0][1]["fields"]
    assert {"completed_at", "created_at", "requested_by"} <= set(shown)


@pytest.mark.parametrize("term", ["nguyen thi lan", "NGUYEN THỊ", "Nguyễn Thị Lan", "thi  lan", "Đức"])
def test_a_name_is_found_with_or_without_its_accents(owner_client, shop, term):
    lan = CustomerFactory(shop=shop, full_name="Nguyễn Thị Lan Đức", email="lan@example.vn")
    CustomerFactory(shop=shop, full_name="Nguyen Van Minh", email="minh@example.vn")
    CustomerFactory(shop=shop, full_name="Trần Thu Lân", email="lan2@example.vn")  # Lân is not "Lan Đức"

    assert shown(owner_client.get(CHANGELIST, {"q": term})) == {lan}
