"""Carriers on loopback for the shipping tests: GHN and GHTK servers, the units they place, and a
shop's account with each pointed at its server."""

import pytest

from orders.models import Carrier
from orders.shipping.demo_servers import GHNServer, GHTKServer
from orders.shipping.units import units_load_file
from tests.orders.factories import carrier_account

GHN_TOKEN, GHN_SHOP_ID = "ghn-test-token", "190881"
GHTK_TOKEN, GHTK_HASH = "ghtk-test-token", "ghtk-bi-mat"


@pytest.fixture
def units(db):
    units_load_file()


@pytest.fixture
def ghn_server():
    server = GHNServer(token=GHN_TOKEN, shop_id=GHN_SHOP_ID).start()
    yield server
    server.stop()


@pytest.fixture
def ghtk_server():
    server = GHTKServer(token=GHTK_TOKEN, webhook_hash=GHTK_HASH).start()
    yield server
    server.stop()


@pytest.fixture
def ghn_account(shop, units, ghn_server):
    return carrier_account(
        shop,
        Carrier.GHN,
        base_url=ghn_server.url,
        token=GHN_TOKEN,
        carrier_shop_id=GHN_SHOP_ID,
        service="2",
        is_default=True,
    )


@pytest.fixture
def ghtk_account(shop, units, ghtk_server):
    return carrier_account(shop, Carrier.GHTK, base_url=ghtk_server.url, token=GHTK_TOKEN, webhook_secret=GHTK_HASH)
