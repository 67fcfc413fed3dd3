"""Every route of the API, every method, every kind of caller: the answer is the one the README's
access table promises.

The routes come from the URL conf, so a new endpoint is a new case here without anyone listing it;
if the README's table has no row for it, its case fails. Callers: a key with each scope, no key, a
revoked key, and a staff session for each role. A caller the table allows must not be refused (any
2xx or 4xx but 401/403 is fine: the bodies are empty, so 400 is common); a caller it does not allow
must get 401/403; nobody may get a 5xx. The objects in the paths are real rows of the shop.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from rest_framework.test import APIClient

from customers.models import Customer
from loyalty import services as loyalty_services
from loyalty.models import PointsEntry
from orders import services as order_services
from orders.pipeline import Actor
from sellercenter import services
from sellercenter.api.access import access_rows, access_table_markdown, api_routes
from sellercenter.models import ApiScope, Role
from sellercenter.selectors import role_permissions
from tests.customers.factories import AddressFactory
from tests.finance.factories import FeeRuleFactory, adjustment, delivered
from tests.loyalty.factories import SYSTEM
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import ShopFactory, staff_user

README = Path(settings.BASE_DIR) / "README.md"
TABLE = re.compile(r"<!-- api-access-table:start -->\n(.*?)<!-- api-access-table:end -->", re.S)
NONE = "—"
REFUSED = (401, 403)
ROLES = [Role.OWNER, Role.OPERATIONS, Role.MARKETING, Role.ACCOUNTANT]
KEY_CALLERS = {"storefront key": ApiScope.STOREFRONT, "back_office key": ApiScope.BACK_OFFICE}
ANONYMOUS_CALLERS = ("no key", "revoked key")


@dataclass(frozen=True)
class Promise:
    scopes: frozenset
    roles: frozenset


def _cells(cell: str) -> frozenset:
    cell = cell.strip()
    return frozenset() if cell == NONE else frozenset(part.strip() for part in cell.split(","))


def readme_table() -> dict[tuple[str, str], Promise]:
    """{(path, method): who may call it}, read from the README's access table."""
    match = TABLE.search(README.read_text(encoding="utf-8"))
    assert match, "README.md has no api-access-table section"
    rows = {}
    for line in match.group(1).strip().splitlines()[2:]:
        path, method, scopes, _permission, roles = (cell.strip() for cell in line.strip("|").split("|"))
        rows[(path.strip("`"), method)] = Promise(scopes=_cells(scopes), roles=_cells(roles))
    return rows


ROUTES = api_routes()
CASES = [(route, method) for route in ROUTES for method in route.methods]


@dataclass
class World:
    clients: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


def _key_client(shop, scopes, *, revoked=False) -> APIClient:
    api_key, secret = services.api_key_create(shop=shop, name="Khoá thử", scopes=scopes)
    if revoked:
        services.api_key_revoke(api_key=api_key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def _build_world() -> World:
    world = World()
    shop = ShopFactory(name="Thời Trang Hoa Mai", slug="hoa-mai")
    FeeRuleFactory(shop=shop)
    order = delivered(shop, customer_id="KH-001")
    customer = order.customer
    loyalty_services.account_enrol(customer=customer, actor=SYSTEM)
    return_request = order_services.return_request_open(
        order=order,
        items=[order_services.ReturnItem(order.lines.first().sku, 1)],
        reason="damaged",
        actor=Actor(kind="customer"),
    )
    # (the path segment before the parameter, the parameter) -> a real value in the shop.
    world.params = {
        ("customers", "pk"): customer.pk,
        ("addresses", "address_pk"): AddressFactory(customer=customer).pk,
        ("segments", "pk"): shop.segments.first().pk,
        ("members", "external_id"): customer.external_id,
        ("campaigns", "pk"): CampaignFactory(shop=shop).pk,
        ("orders", "number"): order.number,
        ("returns", "pk"): return_request.pk,
        ("statements", "pk"): adjustment(shop, "42000").statement_id,
    }
    world.clients["no key"] = APIClient()
    world.clients["revoked key"] = _key_client(shop, list(ApiScope.values), revoked=True)
    for name, scope in KEY_CALLERS.items():
        world.clients[name] = _key_client(shop, [scope])
    for role in ROLES:
        client = APIClient()
        client.force_login(staff_user(shop, role, username=f"nv.{role}"))
        world.clients[str(role)] = client
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The shop and its callers, built once for the module inside a transaction rolled back at its end;
    each test runs in a savepoint of it (the `db` fixture), so what one request changes is undone."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Marked as the test framework's own, so a durable atomic block in a view still opens.
        outer._from_testcase = True
        outer.__enter__()
        try:
            built = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def _urls(route, world) -> list[str]:
    """The route's path with real values; one URL per choice of a fixed-word parameter (each action)."""
    values = {}
    for param in route.params:
        before = route.path.split("{" + param + "}")[0].rstrip("/").rsplit("/", 1)[-1]
        values[param] = world.params.get((before, param), "0")
    urls = [route.path]
    for param in route.params:
        options = route.choices.get(param, (values[param],))
        urls = [url.replace("{" + param + "}", str(option)) for url in urls for option in options]
    return urls


def _allowed(caller: str, promise: Promise) -> bool:
    if caller in ANONYMOUS_CALLERS:
        return False
    if caller in KEY_CALLERS:
        return KEY_CALLERS[caller] in promise.scopes
    return caller in promise.roles


def _call(client: APIClient, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, {}, format="json")


def _mismatch(caller: str, allowed: bool, status: int) -> str | None:
    if status >= 500:
        return f"{caller}: {status}"
    if caller in ANONYMOUS_CALLERS and status != 401:
        return f"{caller}: {status}, expected 401"
    if allowed and status in REFUSED:
        return f"{caller}: {status}, but the table allows it"
    if not allowed and status not in REFUSED:
        return f"{caller}: {status}, but the table refuses it"
    return None


def _case_id(case) -> str:
    route, method = case
    return f"{method} {route.path}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_caller_gets_the_answer_the_table_promises(case, world, db):
    route, method = case
    promise = readme_table().get((route.path, method))
    assert promise is not None, f"README.md's access table has no row for {method} {route.path}"

    mismatches = []
    for url in _urls(route, world):
        for caller, client in world.clients.items():
            status = _call(client, method, url).status_code
            problem = _mismatch(caller, _allowed(caller, promise), status)
            if problem:
                mismatches.append(f"{method} {url} {problem}")

    assert not mismatches, "\n".join(mismatches)


def test_the_table_lists_only_routes_that_exist():
    served = {(route.path, method) for route, method in CASES}

    assert sorted(set(readme_table()) - served) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.path)
def test_a_method_a_route_does_not_serve_answers_405(route, world, db):
    owner = world.clients[str(Role.OWNER)]
    table = readme_table()
    served = route.methods
    missing = [method for method in ("GET", "POST", "PUT", "PATCH", "DELETE") if method not in served]
    # A route the owner may not call at all (the gateway's) refuses before it looks at the method.
    owner_refused = not any(
        Role.OWNER in table.get((route.path, method), Promise(frozenset(), frozenset())).roles for method in served
    )
    expected = (405, *REFUSED) if owner_refused else (405,)
    url = _urls(route, world)[0]

    answers = {method: _call(owner, method, url).status_code for method in missing}

    assert {method: status for method, status in answers.items() if status not in expected} == {}


def test_the_readme_table_is_the_one_the_declarations_give(db):
    """The views' declarations and the role groups are the truth; the README must say the same.
    (`manage.py api_access_table --readme README.md` rewrites it.)"""
    generated = access_table_markdown(access_rows(role_permissions(Role.values)))

    assert TABLE.search(README.read_text(encoding="utf-8")).group(1) == generated


def test_an_accountant_may_neither_erase_a_customer_nor_adjust_points(world, db):
    accountant = world.clients[str(Role.ACCOUNTANT)]
    customer_pk, external_id = world.params[("customers", "pk")], world.params[("members", "external_id")]
    entries = PointsEntry.objects.count()

    erase = accountant.post(f"/api/v1/customers/{customer_pk}/erase", {"reason": "Khách yêu cầu"}, format="json")
    adjust = accountant.post(
        f"/api/v1/loyalty/members/{external_id}/adjustments", {"points": 500, "reason": "Tặng"}, format="json"
    )

    assert (erase.status_code, adjust.status_code) == (403, 403)
    assert erase.json()["error"]["code"] == "permission_denied"
    assert Customer.objects.get(pk=customer_pk).erased_at is None
    assert PointsEntry.objects.count() == entries
