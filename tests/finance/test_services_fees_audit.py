"""Fee rules and finance settings: created, changed and deleted through services that write the audit log."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from finance import services
from finance.models import FeeRule, PaymentFeeRate
from sellercenter.actor import Actor
from sellercenter.errors import NotAllowed
from sellercenter.models import AuditAction, AuditEntry
from tests.finance.factories import FeeRuleFactory, delivered, fee_rule_admin_form

pytestmark = pytest.mark.django_db


def _rows(model: str):
    return list(AuditEntry.objects.filter(content_type__model=model).order_by("pk"))


def test_a_rule_created_changed_and_deleted_is_logged_with_its_rates(shop, owner):
    actor = Actor.staff(owner)
    rule = services.fee_rule_create(
        shop=shop,
        effective_from=date(2030, 1, 1),
        commission_rate=Decimal("4"),
        payment_rates={"cod": Decimal("2.5")},
        actor=actor,
    )
    services.fee_rule_update(rule=rule, actor=actor, commission_rate=Decimal("5"), payment_rates={"cod": Decimal("3")})
    services.fee_rule_delete(rule=FeeRule.objects.get(pk=rule.pk), actor=actor)

    created, changed, deleted = _rows("feerule")
    assert (created.action, created.user) == (AuditAction.CREATE, owner)
    assert created.changes["payment_rates"] == [None, {"cod": "2.5000"}]
    assert changed.changes == {
        "commission_rate": ["4.0000", "5.0000"],
        "payment_rates": [{"cod": "2.5000"}, {"cod": "3.0000"}],
    }
    assert deleted.action == AuditAction.DELETE and deleted.changes["commission_rate"] == ["5.0000", None]
    assert not FeeRule.objects.filter(pk=rule.pk).exists()


def test_a_rule_that_priced_orders_is_not_changed_and_nothing_is_logged(shop, owner):
    rule = FeeRuleFactory(shop=shop)
    delivered(shop)

    with pytest.raises(NotAllowed):
        services.fee_rule_update(rule=rule, actor=Actor.staff(owner), commission_rate=Decimal("9"))

    assert FeeRule.objects.get(pk=rule.pk).commission_rate == Decimal("4")
    assert _rows("feerule") == []


def test_finance_settings_are_logged_when_created_and_changed(shop, owner):
    actor = Actor.staff(owner)

    services.finance_settings_save(shop=shop, actor=actor, statement_period="monthly")
    services.finance_settings_save(shop=shop, actor=actor, statement_period="weekly")

    assert [(row.action, row.changes) for row in _rows("financesettings")] == [
        (AuditAction.CREATE, {"statement_period": [None, "monthly"]}),
        (AuditAction.UPDATE, {"statement_period": ["monthly", "weekly"]}),
    ]


def test_the_admin_saves_fee_rules_and_settings_through_the_services(owner_client, owner, shop):
    data = fee_rule_admin_form(shop, effective_from="2031-01-01")

    assert owner_client.post(reverse("admin:finance_feerule_add"), data).status_code == 302
    rule = FeeRule.objects.get(shop=shop)
    assert PaymentFeeRate.objects.get(fee_rule=rule).rate == Decimal("2.5")
    data.update({"commission_rate": "6", "payment_rates-INITIAL_FORMS": "1"})
    data["payment_rates-0-id"] = PaymentFeeRate.objects.get(fee_rule=rule).pk
    data["payment_rates-0-fee_rule"] = rule.pk
    assert owner_client.post(reverse("admin:finance_feerule_change", args=[rule.pk]), data).status_code == 302
    assert (
        owner_client.post(
            reverse("admin:finance_financesettings_add"), {"shop": shop.pk, "statement_period": "monthly"}
        ).status_code
        == 302
    )

    assert [(row.action, row.user) for row in _rows("feerule")] == [
        (AuditAction.CREATE, owner),
        (AuditAction.UPDATE, owner),
    ]
    assert _rows("feerule")[1].changes == {"commission_rate": ["4.0000", "6.0000"]}
    assert [row.action for row in _rows("financesettings")] == [AuditAction.CREATE]
