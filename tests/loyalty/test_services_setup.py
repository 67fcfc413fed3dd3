from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps

from loyalty import services
from loyalty.defaults import DEFAULT_TIERS
from loyalty.models import ProgrammeSettings, Tier
from sellercenter.errors import InvalidInput
from sellercenter.models import Shop

pytestmark = pytest.mark.django_db


def test_a_new_shop_gets_five_default_tiers_and_programme_settings(shop):
    tiers = list(Tier.objects.filter(shop=shop).order_by("rank"))

    assert [(t.rank, t.name, t.earn_multiplier) for t in tiers] == [
        (1, "Thành viên", Decimal("1.00")),
        (2, "Bạc", Decimal("1.25")),
        (3, "Vàng", Decimal("1.50")),
        (4, "Bạch kim", Decimal("1.75")),
        (5, "Kim cương", Decimal("2.00")),
    ]
    thresholds = [t.threshold for t in tiers]
    assert thresholds[0] == 0
    assert thresholds == sorted(set(thresholds))
    programme = ProgrammeSettings.objects.get(shop=shop)
    assert programme.spend_per_point == Decimal("1000")
    assert programme.points_lifetime_months == 12


def _shop_without_loyalty() -> Shop:
    # Saved directly, not through shop_create: as a shop made before the loyalty app existed.
    return Shop.objects.create(name="Tiệm Gốm Bát Tràng", slug="gom-bat-trang")


def test_setting_up_twice_keeps_what_exists():
    shop = _shop_without_loyalty()
    Tier.objects.create(shop=shop, rank=3, name="Vàng VIP", threshold=Decimal("5000000"))

    services.programme_set_up(shop=shop)
    services.programme_set_up(shop=shop)

    assert Tier.objects.filter(shop=shop).count() == 5
    assert Tier.objects.get(shop=shop, rank=3).name == "Vàng VIP"
    assert ProgrammeSettings.objects.filter(shop=shop).count() == 1


def test_the_data_migration_sets_up_shops_that_existed_before(shop):
    old_shop = _shop_without_loyalty()

    import_module("loyalty.migrations.0003_programme_and_tiers_for_existing_shops").forwards(apps, None)

    assert Tier.objects.filter(shop=old_shop).count() == len(DEFAULT_TIERS)
    assert ProgrammeSettings.objects.filter(shop=old_shop).exists()
    assert Tier.objects.filter(shop=shop).count() == 5


def test_tiers_update_checks_the_whole_set_so_thresholds_can_pass_each_other(shop):
    tiers = services.tiers_update(
        shop=shop,
        changes={2: {"threshold": Decimal("6000000")}, 3: {"threshold": Decimal("8000000"), "name": "Vàng Plus"}},
    )

    assert [(t.rank, t.threshold) for t in tiers][1:3] == [(2, Decimal("6000000")), (3, Decimal("8000000"))]
    assert tiers[2].name == "Vàng Plus"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({3: {"threshold": Decimal("2000000")}}, "tiers.3.threshold"),
        ({1: {"threshold": Decimal("1")}}, "tiers.1.threshold"),
        ({4: {"earn_multiplier": Decimal("0")}}, "tiers.4.earn_multiplier"),
        ({2: {"name": ""}}, "tiers.2.name"),
        ({6: {"name": "Siêu cấp"}}, "tiers.6"),
    ],
)
def test_tiers_update_refuses_a_broken_set_and_changes_nothing(shop, changes, field):
    before = list(Tier.objects.filter(shop=shop).order_by("rank").values_list("name", "threshold", "earn_multiplier"))

    with pytest.raises(InvalidInput) as raised:
        services.tiers_update(shop=shop, changes=changes)

    assert field in raised.value.fields
    after = list(Tier.objects.filter(shop=shop).order_by("rank").values_list("name", "threshold", "earn_multiplier"))
    assert after == before


def test_programme_update_refuses_out_of_range_values(shop):
    programme = ProgrammeSettings.objects.get(shop=shop)

    with pytest.raises(InvalidInput) as raised:
        services.programme_update(programme=programme, max_redemption_percent=Decimal("150"), point_value=Decimal("0"))

    assert set(raised.value.fields) == {"max_redemption_percent", "point_value"}
    programme.refresh_from_db()
    assert programme.max_redemption_percent == Decimal("50")
