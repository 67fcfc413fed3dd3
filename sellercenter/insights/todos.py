"""The seller's to-do list: what waits for someone now, each with the admin list that shows those rows.

Counts are live (not rollups): they must move the moment the work is done. Each group is one
aggregate query on an index that starts with the shop, so the list costs the same at any size."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import PersonalDataRequest
from finance.models import Statement, StatementStatus
from orders.models import AWAITING_HANDOVER, Order, OrderStatus, Product, ReturnKind, ReturnRequest, ReturnStatus
from orders.selectors import at_risk_q, low_stock_q, out_of_stock_q
from promotions.models import Campaign, Kind
from sellercenter.insights.selectors import CAMPAIGNS, CUSTOMERS, FINANCE, FULFILMENT, PRIVACY
from sellercenter.models import Shop

# A received return should be refunded within this long; past it the refund is late.
REFUND_DUE_WITHIN = timedelta(days=3)
OPEN_STATUSES = (*AWAITING_HANDOVER, OrderStatus.PENDING_PAYMENT, OrderStatus.DELIVERY_FAILED)
TO_PICK = (OrderStatus.CONFIRMED, OrderStatus.ALLOCATED)
TO_PACK = (OrderStatus.PICKING, OrderStatus.QUALITY_CHECK)
TO_HAND_OVER = (OrderStatus.PACKED, OrderStatus.READY_TO_SHIP)


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    url: str
    section: str
    urgent: bool = False


def _url(name: str, **params) -> str:
    query = {key: ",".join(value) if isinstance(value, tuple | list) else value for key, value in params.items()}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def _order_todos(shop: Shop, now: datetime) -> list[Todo]:
    # Counting `status` (never null), not the id: every column read is in the index on (shop, status,
    # ship_by_at), so PostgreSQL counts the open orders from the index alone.
    counts = (
        Order.objects.filter(shop=shop, status__in=OPEN_STATUSES)
        .order_by()
        .aggregate(
            unpaid=Count("status", filter=Q(status=OrderStatus.PENDING_PAYMENT)),
            to_pick=Count("status", filter=Q(status__in=TO_PICK)),
            to_pack=Count("status", filter=Q(status__in=TO_PACK)),
            to_hand_over=Count("status", filter=Q(status__in=TO_HAND_OVER)),
            late=Count("status", filter=Q(status__in=AWAITING_HANDOVER, ship_by_at__lt=now)),
            at_risk=Count("status", filter=at_risk_q(now)),
            failed=Count("status", filter=Q(status=OrderStatus.DELIVERY_FAILED)),
        )
    )
    orders = "admin:orders_order_changelist"
    return [
        Todo(
            "awaiting_payment",
            _("Awaiting payment"),
            counts["unpaid"],
            _url(orders, status__exact=OrderStatus.PENDING_PAYMENT),
            FULFILMENT,
        ),
        Todo("to_pick", _("To pick"), counts["to_pick"], _url(orders, status__in=TO_PICK), FULFILMENT),
        Todo("to_pack", _("To pack"), counts["to_pack"], _url(orders, status__in=TO_PACK), FULFILMENT),
        Todo(
            "to_hand_over",
            _("Ready to hand over"),
            counts["to_hand_over"],
            _url(orders, status__in=TO_HAND_OVER),
            FULFILMENT,
        ),
        Todo(
            "late",
            _("Late: past the ship-by deadline"),
            counts["late"],
            _url(orders, deadline="late", status__in=AWAITING_HANDOVER),
            FULFILMENT,
            urgent=True,
        ),
        Todo(
            "at_risk",
            _("At risk: ship-by within 24 h"),
            counts["at_risk"],
            _url(orders, deadline="at_risk"),
            FULFILMENT,
            urgent=True,
        ),
        Todo(
            "delivery_failed",
            _("Delivery failed"),
            counts["failed"],
            _url(orders, status__exact=OrderStatus.DELIVERY_FAILED),
            FULFILMENT,
            urgent=True,
        ),
    ]


def _return_todos(shop: Shop, now: datetime) -> list[Todo]:
    due = Q(status=ReturnStatus.RECEIVED, kind=ReturnKind.REFUND)
    counts = (
        ReturnRequest.objects.filter(shop=shop, status__in=(ReturnStatus.REQUESTED, ReturnStatus.RECEIVED))
        .order_by()
        .aggregate(
            requested=Count("pk", filter=Q(status=ReturnStatus.REQUESTED)),
            refund_due=Count("pk", filter=due),
            refund_late=Count("pk", filter=due & Q(received_at__lt=now - REFUND_DUE_WITHIN)),
        )
    )
    returns = "admin:orders_returnrequest_changelist"
    refunds = {"status__exact": ReturnStatus.RECEIVED, "kind__exact": ReturnKind.REFUND}
    late_before = (now - REFUND_DUE_WITHIN).astimezone(shop.tzinfo).isoformat()
    return [
        Todo(
            "returns_to_approve",
            _("Returns waiting for approval"),
            counts["requested"],
            _url(returns, status__exact=ReturnStatus.REQUESTED),
            FULFILMENT,
        ),
        Todo("refunds_due", _("Refunds due"), counts["refund_due"], _url(returns, **refunds), FINANCE),
        Todo(
            "refunds_late",
            _("Refunds late (received over 3 days ago)"),
            counts["refund_late"],
            _url(returns, **refunds, received_at__lt=late_before),
            FINANCE,
            urgent=True,
        ),
    ]


def _stock_todos(shop: Shop) -> list[Todo]:
    counts = Product.objects.filter(shop=shop, is_active=True).aggregate(
        out=Count("pk", filter=out_of_stock_q()), low=Count("pk", filter=low_stock_q())
    )
    products = "admin:orders_product_changelist"
    return [
        Todo("out_of_stock", _("Out of stock"), counts["out"], _url(products, stock="out"), FULFILMENT, urgent=True),
        Todo("low_stock", _("Low stock"), counts["low"], _url(products, stock="low"), FULFILMENT),
    ]


def _campaign_todos(shop: Shop, now: datetime) -> list[Todo]:
    running = list(
        Campaign.objects.filter(shop=shop)
        .running(now)
        .only(
            "kind",
            "gift_sku",
            "gift_quantity",
            "budget",
            "spent",
            "starts_at",
            "ends_at",
            "published_at",
            "paused_at",
            "ended_at",
            "uses_count",
            "usage_limit_total",
        )
    )
    gifts = {c.gift_sku for c in running if c.kind == Kind.FREE_GIFT and c.gift_sku}
    stock = (
        {
            sku: on_hand - reserved
            for sku, on_hand, reserved in Product.objects.filter(shop=shop, sku__in=gifts).values_list(
                "sku", "stock_on_hand", "stock_reserved"
            )
        }
        if gifts
        else {}
    )
    gift_gone = sum(1 for c in running if c.kind == Kind.FREE_GIFT and stock.get(c.gift_sku, 0) < c.gift_quantity)
    campaigns = "admin:promotions_campaign_changelist"
    return [
        Todo(
            "budget_running_out",
            _("Campaigns whose budget runs out before their end"),
            sum(1 for c in running if c.runs_out_before_end(now)),
            _url(campaigns, budget="running_out"),
            CAMPAIGNS,
        ),
        Todo(
            "gift_gone",
            _("Gift campaigns whose gift is out of stock"),
            gift_gone,
            _url(campaigns, kind__exact=Kind.FREE_GIFT, status="active"),
            CAMPAIGNS,
            urgent=True,
        ),
    ]


def _finance_todos(shop: Shop) -> list[Todo]:
    closed = Statement.objects.filter(shop=shop, status=StatementStatus.CLOSED, closing_balance__gt=0).count()
    return [
        Todo(
            "statements_to_pay",
            _("Statements waiting for a payout"),
            closed,
            _url("admin:finance_statement_changelist", status__exact=StatementStatus.CLOSED),
            FINANCE,
        ),
    ]


def _privacy_todos(shop: Shop) -> list[Todo]:
    pending = PersonalDataRequest.objects.filter(shop=shop, completed_at__isnull=True).count()
    return [
        Todo(
            "personal_data_requests",
            _("Personal-data requests open"),
            pending,
            _url("admin:customers_personaldatarequest_changelist", status="open"),
            PRIVACY,
            urgent=True,
        ),
    ]


def shop_todos(*, shop: Shop, sections: tuple[str, ...], now: datetime | None = None) -> list[Todo]:
    """What waits for someone in the shop, for the given sections (see `sections_for`): at most six
    queries (orders, returns, stock, campaigns and their gifts' stock, statements, personal-data requests)."""
    now = now or timezone.now()
    todos: list[Todo] = []
    if FULFILMENT in sections or FINANCE in sections:
        todos += _return_todos(shop, now)
    if FULFILMENT in sections:
        todos = _order_todos(shop, now) + todos + _stock_todos(shop)
    if CAMPAIGNS in sections or CUSTOMERS in sections:
        todos += _campaign_todos(shop, now)
    if FINANCE in sections:
        todos += _finance_todos(shop)
    if PRIVACY in sections:
        todos += _privacy_todos(shop)
    return [todo for todo in todos if todo.section in sections]
