"""Finance admin pages: the overview chart, adjustments through the service, fee rules that priced
orders stay as they were, and what each role may do."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from finance import services
from finance.models import ExportJob, PaymentFeeRate, StatementLine
from sellercenter.models import Role
from tests.finance.factories import FeeRuleFactory, adjustment, delivered, fee_rule_admin_form, reload
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db


def test_the_overview_page_draws_its_chart_without_any_external_file(owner_client, shop):
    adjustment(shop, "150000", reason="Tiền bán hàng bù")
    adjustment(shop, "-20000", reason="Phí quảng cáo")

    response = owner_client.get(reverse("admin:finance_statement_overview") + "?period=monthly")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="fin-chart"' in html and "fin-revenue" in html
    assert "cdn" not in html.lower() and '<script src="http' not in html
    assert "130.000 ₫" in html  # net of the month


def test_the_overview_page_only_offers_the_users_shops(client, shop, other_shop):
    adjustment(other_shop, "999000", reason="Cửa hàng khác")
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    html = client.get(reverse("admin:finance_statement_overview") + f"?shop={other_shop.pk}").content.decode()

    assert "999.000" not in html


def test_an_adjustment_entered_in_the_admin_goes_through_the_service(owner_client, owner, shop):
    data = {"shop": shop.pk, "adjustment": "-35000", "reason": "Bồi thường hàng hư hỏng", "order": "", "corrects": ""}

    response = owner_client.post(reverse("admin:finance_statementline_add"), data)

    assert response.status_code == 302
    line = StatementLine.objects.get()
    assert (line.kind, line.net, line.created_by, line.payout_state) == ("adjustment", -35000, owner, "to_be_paid")
    assert line.statement.total_adjustment == -35000


def test_a_refused_adjustment_is_a_form_error_and_saves_nothing(owner_client, shop):
    data = {"shop": shop.pk, "adjustment": "0", "reason": "Sai", "order": "", "corrects": ""}

    response = owner_client.post(reverse("admin:finance_statementline_add"), data)

    assert response.status_code == 200 and "adjustment" in response.context["adminform"].form.errors
    assert not StatementLine.objects.exists()


def test_a_fee_rule_that_priced_orders_is_read_only(owner_client, shop):
    rule = FeeRuleFactory(shop=shop)
    unused = FeeRuleFactory(shop=shop, effective_from=rule.effective_from.replace(year=2030))
    delivered(shop)

    assert owner_client.post(reverse("admin:finance_feerule_change", args=[rule.pk]), {}).status_code == 403
    assert owner_client.get(reverse("admin:finance_feerule_delete", args=[rule.pk])).status_code == 403
    assert owner_client.get(reverse("admin:finance_feerule_change", args=[unused.pk])).status_code == 200


def test_a_fee_rule_with_payment_rates_is_added_in_the_admin(owner_client, shop):
    data = fee_rule_admin_form(shop, effective_from="2025-01-01")

    assert owner_client.post(reverse("admin:finance_feerule_add"), data).status_code == 302
    rate = PaymentFeeRate.objects.get()
    assert (rate.shop_id, rate.payment_method, str(rate.rate)) == (shop.pk, "cod", "2.5000")


def test_accountants_read_export_and_import_payouts_but_change_no_order():
    accountant = set(
        Group.objects.get(name=Role.ACCOUNTANT).permissions.values_list("content_type__app_label", "codename")
    )

    finance = {codename for app, codename in accountant if app == "finance"}
    assert {"view_statement", "view_statementline", "add_payout", "add_exportjob"} <= finance
    assert not {"change_statement", "add_statementline", "change_feerule"} & finance
    # The carriers' COD remittance statements are the accountant's to import (they live beside the
    # shipments); nothing else of orders may change.
    remittances = {"add_codremittance", "change_codremittance", "add_codremittanceline", "change_codremittanceline"}
    assert not {
        codename
        for app, codename in accountant
        if app == "orders" and not codename.startswith("view_") and codename not in remittances
    }


def test_the_owner_runs_finance(owner):
    for perm in ("change_statement", "add_statementline", "add_feerule", "add_payout", "change_financesettings"):
        assert owner.has_perm(f"finance.{perm}")


@pytest.mark.parametrize("model", ["statementline", "statement", "payout", "exportjob", "feerule"])
def test_changelists_run_a_fixed_number_of_queries(owner_client, shop, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.finance.test_services_statements import WEEK_1

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse(f"admin:finance_{model}_changelist")).status_code == 200
        return len(captured)

    def more(week: int) -> None:
        at = WEEK_1 + timedelta(weeks=week)
        statement = adjustment(shop, "42000", at=at).statement
        services.statement_close(statement=statement, now=at + timedelta(weeks=1))
        services.payout_record(statement=reload(statement), amount=42000, paid_on=date(2025, 12, 1), bank_reference="V")
        FeeRuleFactory(shop=shop, effective_from=date(2020, 1, 1) + timedelta(days=week))
        ExportJob.objects.create(shop=shop, date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))

    more(0)
    few = queries()
    for week in range(1, 6):
        more(week)

    assert queries() == few


def test_the_owner_closes_ended_statements_from_the_list_and_cannot_edit_one(owner_client, shop):
    from tests.finance.test_services_statements import WEEK_1

    ended = adjustment(shop, "42000", at=WEEK_1).statement
    current = adjustment(shop, "1000").statement
    changelist = reverse("admin:finance_statement_changelist")

    data = {"action": "close_selected", "_selected_action": [ended.pk, current.pk]}
    response = owner_client.post(changelist, data, follow=True)

    assert reload(ended).status == "closed" and reload(current).status == "open"
    assert any("not over" in str(message) for message in response.context["messages"])
    page = owner_client.get(reverse("admin:finance_statement_change", args=[ended.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_an_accountant_may_not_close_statements(client, shop):
    from tests.finance.test_services_statements import WEEK_1

    ended = adjustment(shop, "42000", at=WEEK_1).statement
    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    client.post(
        reverse("admin:finance_statement_changelist"), {"action": "close_selected", "_selected_action": [ended.pk]}
    )

    assert reload(ended).status == "open"
