"""A Python client generated from the live /api/schema/ with openapi-python-client runs a storefront's
whole flow against a live server on loopback, with no hand-patching of the generated code.

If the schema lies (a wrong media type, a field that comes back null, a missing header parameter),
the generated client fails to build its request or to parse the answer, and this test fails."""

import hashlib
import hmac
import importlib
import json
import subprocess
import sys
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from promotions.models import CodeMode
from tests.orders.factories import ADDRESS, PaymentGatewayFactory, ProductFactory
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import ShopFactory, api_key_secret

pytestmark = [pytest.mark.django_db(transaction=True)]

PACKAGE = "seller_center_client"
GATEWAY_SECRET = "vnp-client-secret"


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory):
    """The client package, generated into a temporary folder from the schema the server serves."""
    folder = tmp_path_factory.mktemp("client")
    schema = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (folder / "openapi.json").write_bytes(schema.content)
    (folder / "config.yaml").write_text("post_hooks: []\n")
    command = [
        sys.executable, "-m", "openapi_python_client", "generate",
        "--path", str(folder / "openapi.json"),
        "--meta", "none",
        "--output-path", str(folder / PACKAGE),
        "--config", str(folder / "config.yaml"),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _operation(name: str):
    return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


def _model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def _ok(response, status: int = 200):
    assert response.status_code == status, response.content
    assert response.parsed is not None
    assert not isinstance(response.parsed, _model("Error")), response.content
    return response.parsed


def _sign_notifications(request: httpx.Request) -> None:
    """The gateway's side: HMAC-SHA256 of the exact bytes sent, as the X-Signature header."""
    if request.url.path.endswith("/payments/notify"):
        signature = hmac.new(GATEWAY_SECRET.encode(), request.content, hashlib.sha256).hexdigest()
        request.headers["X-Signature"] = signature


def test_every_operation_module_imports(generated):
    import pkgutil

    api = importlib.import_module(f"{PACKAGE}.api.v1")
    names = [module.name for module in pkgutil.iter_modules(api.__path__)]

    assert len(names) > 50
    for name in names:
        assert hasattr(_operation(name), "sync_detailed"), name


def test_a_storefronts_whole_flow_through_the_generated_client(generated, live_server):
    shop = ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai-client")
    ProductFactory(shop=shop, sku="AO-DAI", name="Áo dài lụa", price=Decimal("500000"), stock_on_hand=10)
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="HE2026", value=Decimal("10"))
    PaymentGatewayFactory(shop=shop, merchant_code="HOAMAI-VNP", secret=GATEWAY_SECRET)
    api = generated.AuthenticatedClient(
        base_url=live_server.url, token=api_key_secret(shop), prefix="Api-Key", raise_on_unexpected_status=True
    )
    gateway = generated.Client(base_url=live_server.url, httpx_args={"event_hooks": {"request": [_sign_notifications]}})

    # 1. The storefront upserts its customer and enrols them in the loyalty programme.
    customer = _ok(
        _operation("customers_upsert").sync_detailed(
            client=api,
            body=_model("CustomerUpsertInputRequest").from_dict(
                {"external_id": "KH-001", "full_name": "Nguyễn Thị Lan", "email": "lan@example.vn", "tags": ["vip"]}
            ),
        ),
        201,
    )
    assert customer.external_id == "KH-001"
    _ok(
        _operation("loyalty_member_enrol").sync_detailed(
            client=api, body=_model("LoyaltyEnrolInputRequest").from_dict({"external_id": "KH-001"})
        ),
        201,
    )

    # 2. It sends what the customer did, in a batch.
    now = timezone.now()
    events = _ok(
        _operation("customer_events_ingest").sync_detailed(
            client=api,
            body=_model("EventBatchInputRequest").from_dict(
                {
                    "events": [
                        {
                            "event_id": f"ev-{n}",
                            "type": "product_view",
                            "occurred_at": (now - timedelta(minutes=5 - n)).isoformat(),
                            "customer_id": "KH-001",
                            "properties": {"sku": "AO-DAI"},
                        }
                        for n in range(3)
                    ]
                }
            ),
        )
    )
    assert events.accepted == 3

    # 3. It quotes the cart with the voucher code.
    cart = {"channel": "website", "lines": [{"sku": "AO-DAI", "quantity": 2}], "voucher_codes": ["he2026"]}
    quote = _ok(
        _operation("orders_quote").sync_detailed(
            client=api,
            body=_model("OrderQuoteInputRequest").from_dict({**cart, "customer_external_id": "KH-001"}),
        )
    )
    assert (quote.discount_total, quote.total) == ("100000.00", "900000.00")

    # 4. It places the order with an Idempotency-Key, and a retry replays the first answer.
    checkout = _model("OrderPlaceInputRequest").from_dict(
        {
            **cart,
            "customer": {"external_id": "KH-001", "full_name": "Nguyễn Thị Lan", "email": "lan@example.vn"},
            "shipping_address": ADDRESS,
            "payment_method": "vnpay",
        }
    )
    key = str(uuid.uuid4())
    placed = _operation("orders_place").sync_detailed(client=api, body=checkout, idempotency_key=key)
    order = _ok(placed, 201)
    replayed = _operation("orders_place").sync_detailed(client=api, body=checkout, idempotency_key=key)
    assert _ok(replayed, 201).number == order.number
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert order.total == quote.total and str(order.status) == "pending_payment"

    # 5. It reads the order back.
    detail = _ok(_operation("orders_retrieve").sync_detailed(order.number, client=api))
    assert detail.number == order.number and detail.replacement_for is None

    # 6. The gateway notifies the payment, signed.
    paid = _ok(
        _operation("payments_notify").sync_detailed(
            client=gateway,
            x_signature="signed-by-the-request-hook",
            body=_model("PaymentNotificationRequest").from_dict(
                {
                    "merchant_code": "HOAMAI-VNP",
                    "order_number": order.number,
                    "transaction_id": "14123456",
                    "amount": order.total,
                    "status": "success",
                }
            ),
        )
    )
    assert paid.outcome == "confirmed"
    assert str(_ok(_operation("orders_retrieve").sync_detailed(order.number, client=api)).status) == "confirmed"

    # 7. It shows the member card and the points balance.
    card = _ok(_operation("loyalty_member_retrieve").sync_detailed("KH-001", client=api))
    assert card.member_code and card.barcode_svg.lstrip().startswith("<")
    assert card.to_dict()["external_id"] == "KH-001"

    # 8. It lists the offers the customer may use and validates a voucher code.
    offers = _ok(_operation("promotions_campaigns_offers").sync_detailed(client=api, customer_external_id="KH-001"))
    assert isinstance(offers, list)
    check = _ok(
        _operation("promotions_voucher_validate").sync_detailed(
            client=api, body=_model("VoucherValidateInputRequest").from_dict({"code": "HE2026"})
        )
    )
    assert check.valid is True
    unknown = _ok(
        _operation("promotions_voucher_validate").sync_detailed(
            client=api, body=_model("VoucherValidateInputRequest").from_dict({"code": "KHONGCO"})
        )
    )
    assert (unknown.valid, str(unknown.reason), unknown.campaign) == (False, "unknown_code", None)
    json.dumps(card.to_dict())  # what the client parsed serialises back
