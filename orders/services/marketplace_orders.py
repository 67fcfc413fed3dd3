"""Marketplace orders by file: the order report a seller downloads from Shopee, Lazada or TikTok Shop,
read through that marketplace's declaration (orders.marketplaces), planned, and applied all or nothing.

Planning reads the file and says, per order of the report, what applying it would do: create it
(`new`), move it along the pipeline (`status`), nothing (`unchanged`, also when our order is already
further on), or leave it out (`skipped`, an unpaid order); and each row's errors. Applying plans again
inside one transaction and refuses the whole file if any row has an error, so a file with one bad row
changes nothing, and a file imported twice changes nothing the second time (orders are found by the
marketplace's order id).

A new order is written by the checkout's `order_insert` at the prices the file gives: the marketplace
set what its buyer paid, so the shop's own promotions and points do not apply. It is paid through the
marketplace (confirmed at once), its stock is reserved like any order's, and the marketplace's fees are
kept on it (OrderChannelFee) for finance to book as that channel's fee line. Status changes go through
the pipeline's transition services, step by step, as the staff member who imports the file.
"""

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.phones import phone_to_e164
from customers.services import customer_upsert
from orders.marketplaces import MARKETPLACES, Marketplace
from orders.marketplaces.base import FEES, OPTIONAL
from orders.models import (
    Order,
    OrderChannelFee,
    OrderNumberCounter,
    OrderStatus,
    PaymentMethod,
    Product,
)
from orders.pipeline import Actor, Transition, transition_path
from orders.pricing import PricedLine
from orders.services import transitions
from orders.services.checkout import Amounts, order_insert, order_placed_event_record
from sellercenter.errors import DomainError, InvalidInput
from sellercenter.models import Shop
from sellercenter.money import ZERO, money_round
from sellercenter.spreadsheet import spreadsheet_rows_read, whole_amount_read

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_QUANTITY = 10_000
# Far below what a MoneyField holds (18 digits), so that no sum of a file's amounts can overflow it.
MAX_AMOUNT = Decimal(10) ** 12
NEW, STATUS, UNCHANGED, SKIPPED = "new", "status", "unchanged", "skipped"
MONEY_FIELDS = ("unit_price", "sale_price", "line_discount", "platform_discount", "order_total", "shipping_fee", *FEES)


@dataclass(frozen=True)
class MarketplaceFile:
    content: bytes
    file_name: str


@dataclass
class ImportLine:
    product: Product
    quantity: int
    unit_price: Decimal
    discount: Decimal


@dataclass
class PlannedOrder:
    """One order of the report and what applying the file does to it."""

    external_id: str
    rows: list[int]
    marketplace_status: str = ""
    target: str = ""
    action: str = NEW
    order: Order | None = None
    lines: list[ImportLine] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    fees: dict[str, Decimal] = field(default_factory=dict)
    path: list[Transition] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def current_status(self) -> str:
        return self.order.status if self.order else ""

    @property
    def total(self) -> Decimal:
        merchandise = sum((line.unit_price * line.quantity - line.discount for line in self.lines), ZERO)
        return merchandise + self.details.get("shipping_fee", ZERO)


@dataclass
class ImportPlan:
    marketplace: Marketplace
    file_name: str
    orders: list[PlannedOrder]

    @property
    def errors(self) -> list[str]:
        return [error for planned in self.orders for error in planned.errors]

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(planned.action for planned in self.orders if not planned.errors)
        return {action: counts.get(action, 0) for action in (NEW, STATUS, UNCHANGED, SKIPPED)}


def _row_error(row: int, message: str) -> str:
    return _("Row %(row)d: %(message)s") % {"row": row, "message": message}


def _marketplace(channel: str) -> Marketplace:
    if channel not in MARKETPLACES:
        raise InvalidInput(fields={"marketplace": [_("Choose Shopee, Lazada or TikTok Shop.")]})
    return MARKETPLACES[channel]


def marketplace_rows_read(*, marketplace: Marketplace, file: MarketplaceFile) -> list[tuple[int, dict[str, str]]]:
    """The report's rows as (row number in the file, {our name: text}); a missing optional column
    reads as empty. Raises InvalidInput naming `file` for an unreadable or empty file, a missing
    column, or too many rows."""
    if len(file.content) > MAX_BYTES:
        raise InvalidInput(fields={"file": [_("The file is larger than 10 MB.")]})
    table = spreadsheet_rows_read(file.content, file.file_name)
    header = [cell.strip() for cell in table[0]] if table else []
    if not header or len(table) < 2:
        raise InvalidInput(fields={"file": [_("The file is empty.")]})
    if len(table) > MAX_ROWS + 1:
        raise InvalidInput(fields={"file": [_("Import at most %(max)d rows at once.") % {"max": MAX_ROWS}]})
    missing = [marketplace.columns[name] for name in marketplace.required() if marketplace.columns[name] not in header]
    if missing:
        message = _("This is not a %(marketplace)s order report: column “%(column)s” is missing.")
        raise InvalidInput(fields={"file": [message % {"marketplace": marketplace.label, "column": missing[0]}]})
    at = {name: header.index(column) for name, column in marketplace.columns.items() if column in header}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append(
            (number, {name: cells[at[name]].strip() if name in at else "" for name in at | dict.fromkeys(OPTIONAL)})
        )
    return rows


def _amount(values: dict[str, str], name: str, errors: list[str], row: int) -> Decimal:
    try:
        amount = whole_amount_read(values.get(name, ""))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or amount >= MAX_AMOUNT:
        errors.append(_row_error(row, _("“%(value)s” is not an amount of money.") % {"value": values[name]}))
        return ZERO
    return amount


def _quantity(marketplace: Marketplace, values: dict, errors: list[str], row: int) -> int:
    if marketplace.one_unit_per_row:
        return 1
    text = values["quantity"]
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_QUANTITY:
        errors.append(
            _row_error(row, _("the quantity “%(value)s” is not a whole number from 1 to 10000.") % {"value": text})
        )
        return 0
    return int(text)


def _placed_at(marketplace: Marketplace, text: str, shop: Shop, errors: list[str], row: int) -> datetime | None:
    """When the order was placed, written in the shop's time zone (a moment with its offset is kept)."""
    if not text:
        return None
    for date_format in (*marketplace.date_formats, None):
        try:
            moment = datetime.fromisoformat(text) if date_format is None else _local(text, date_format, shop)
        except ValueError:
            continue
        return timezone.make_aware(moment, shop.tzinfo) if timezone.is_naive(moment) else moment
    errors.append(_row_error(row, _("“%(value)s” is not a date and time.") % {"value": text}))
    return None


def _local(text: str, date_format: str, shop: Shop) -> datetime:
    return datetime.strptime(text, date_format).replace(tzinfo=shop.tzinfo)


def _line(marketplace, values, products, errors, row) -> ImportLine | None:
    known = len(errors)
    product = products.get(values["sku"])
    if product is None:
        errors.append(_row_error(row, _("no product of the shop has SKU “%(sku)s”.") % {"sku": values["sku"]}))
    quantity = _quantity(marketplace, values, errors, row)
    unit_price = _amount(values, "unit_price", errors, row)
    if values.get("sale_price"):
        discount = (unit_price - _amount(values, "sale_price", errors, row)) * quantity
    else:
        discount = _amount(values, "line_discount", errors, row)
    if len(errors) == known and not ZERO <= discount <= unit_price * quantity:
        errors.append(_row_error(row, _("the discount is more than the price, or negative.")))
    if product is None or not quantity or errors:
        return None
    return ImportLine(product=product, quantity=quantity, unit_price=unit_price, discount=discount)


def _order_details(marketplace, group, shop, errors) -> tuple[dict, dict[str, Decimal]]:
    first_row, first = group[0]

    def amount(name: str) -> Decimal:
        rows = group if name in marketplace.summed else group[:1]
        return sum((_amount(values, name, errors, row) for row, values in rows), ZERO)

    phone = first["phone"]
    # Marketplaces mask their buyers' phones ("84*****321"): such a phone is kept as given.
    with suppress(ValidationError):
        phone = phone_to_e164(phone) if phone else ""
    buyer = first["buyer"] or phone
    if not buyer:
        errors.append(_row_error(first_row, _("neither the buyer nor a phone is given.")))
    details = {
        "buyer": buyer,
        "recipient_name": first["recipient_name"][:200],
        "phone": phone[:20],
        "street": first["street"][:255],
        "ward": first["ward"][:100],
        "district": first["district"][:100],
        "province": first["province"][:100],
        "note": first["note"],
        "carrier": first["carrier"][:100],
        "tracking_number": first["tracking_number"][:100],
        "placed_at": _placed_at(marketplace, first["placed_at"], shop, errors, first_row),
        "shipping_fee": amount("shipping_fee"),
        # Per row, for its units: what the marketplace funded is no discount of the shop's.
        "platform_discount": sum((_amount(values, "platform_discount", errors, row) for row, values in group), ZERO),
    }
    for name in ("recipient_name", "street"):
        if not details[name]:
            column = marketplace.columns[name]
            errors.append(_row_error(first_row, _("“%(column)s” is empty.") % {"column": column}))
    fees = {kind: amount(kind) for kind in FEES if kind in marketplace.columns}
    return details, {kind: value for kind, value in fees.items() if value}


def _merge_lines(lines: list[ImportLine]) -> list[ImportLine]:
    """Rows of the same product at the same price are one line (Lazada writes a row per unit)."""
    merged: dict[tuple, ImportLine] = {}
    for line in lines:
        key = (line.product.pk, line.unit_price)
        if key in merged:
            merged[key].quantity += line.quantity
            merged[key].discount += line.discount
        else:
            merged[key] = ImportLine(line.product, line.quantity, line.unit_price, line.discount)
    return list(merged.values())


def _plan_group(marketplace, external_id, group, shop, products) -> PlannedOrder:
    planned = PlannedOrder(external_id=external_id, rows=[row for row, _values in group])
    errors = planned.errors
    statuses = {values["status"] for _row, values in group}
    planned.marketplace_status = group[0][1]["status"]
    if len(statuses) > 1:
        errors.append(
            _row_error(planned.rows[0], _("the rows of order %(id)s give different statuses.") % {"id": external_id})
        )
    if marketplace.is_ignored(planned.marketplace_status):
        planned.action = SKIPPED
        return planned
    planned.target = marketplace.status_for(planned.marketplace_status) or ""
    if not planned.target:
        message = _("the status “%(status)s” is unknown.") % {"status": planned.marketplace_status}
        errors.append(_row_error(planned.rows[0], message))
    lines = [_line(marketplace, values, products, errors, row) for row, values in group]
    planned.lines = _merge_lines([line for line in lines if line is not None])
    planned.details, planned.fees = _order_details(marketplace, group, shop, errors)
    return planned


def _decide(planned: PlannedOrder, actor: Actor) -> None:
    """What applying does to the order: create it and walk it from confirmed to its status, walk our
    order on to the report's status, or nothing when it is there or further on already."""
    if planned.errors or planned.action == SKIPPED:
        return
    known = planned.order is not None
    current = planned.order.status if known else OrderStatus.CONFIRMED
    path = transition_path(current=current, target=planned.target, actor_kind=actor.kind)
    ahead = known and path is None
    if ahead and transition_path(current=planned.target, target=current, actor_kind=actor.kind) is not None:
        planned.action = UNCHANGED
    elif path is None:
        message = _("order %(id)s cannot go from “%(current)s” to “%(target)s”.") % {
            "id": planned.external_id,
            "current": OrderStatus(current).label,
            "target": OrderStatus(planned.target).label,
        }
        planned.errors.append(_row_error(planned.rows[0], message))
    elif not known:
        planned.action, planned.path = NEW, path
    else:
        planned.action, planned.path = (STATUS if path else UNCHANGED), path


def _check_stock(plan: list[PlannedOrder]) -> None:
    """New orders take stock: refuse, on the row of the order that runs out, what the shop has not got."""
    wanted: Counter = Counter()
    for planned in plan:
        if planned.action != NEW or planned.errors:
            continue
        for line in planned.lines:
            wanted[line.product.pk] += line.quantity
            if wanted[line.product.pk] > line.product.stock_available:
                message = _("not enough stock of %(sku)s.") % {"sku": line.product.sku}
                planned.errors.append(_row_error(planned.rows[0], message))
                break


def marketplace_orders_plan(*, shop: Shop, channel: str, file: MarketplaceFile, actor: Actor) -> ImportPlan:
    """What importing `file` (the order report of the marketplace `channel`) would do, order by order,
    with each row's errors; changes nothing. Only the shop's own products and orders are matched.
    Raises InvalidInput naming `marketplace` or `file` for an unknown marketplace or an unreadable report."""
    marketplace = _marketplace(channel)
    rows = marketplace_rows_read(marketplace=marketplace, file=file)
    groups: dict[str, list] = {}
    for row, values in rows:
        groups.setdefault(values["order_id"], []).append((row, values))
    products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in={values["sku"] for _r, values in rows})}
    existing = {
        order.external_id: order
        for order in Order.objects.filter(shop=shop, channel=channel, external_id__in=[i for i in groups if i])
    }
    plan = []
    for external_id, group in groups.items():
        if not external_id:
            plan.append(PlannedOrder("", [group[0][0]], errors=[_row_error(group[0][0], _("the order id is empty."))]))
            continue
        planned = _plan_group(marketplace, external_id, group, shop, products)
        planned.order = existing.get(external_id)
        _decide(planned, actor)
        plan.append(planned)
    _check_stock(plan)
    return ImportPlan(marketplace=marketplace, file_name=file.file_name, orders=plan)


def _customer(shop: Shop, marketplace: Marketplace, details: dict):
    fields = {"full_name": details["recipient_name"]}
    if details["phone"].startswith("+"):
        fields["phone"] = details["phone"]
    return customer_upsert(shop=shop, external_id=f"{marketplace.channel}:{details['buyer']}"[:100], **fields)


def _create(planned: PlannedOrder, plan: ImportPlan, shop: Shop, actor: Actor) -> Order:
    details, marketplace = planned.details, plan.marketplace
    lines = [PricedLine(line.product, line.unit_price, line.quantity, line.discount, ZERO) for line in planned.lines]
    currency = shop.currency
    amounts = Amounts(
        subtotal=money_round(sum((line.unit_price * line.quantity for line in lines), ZERO), currency),
        discount_total=money_round(sum((line.discount for line in lines), ZERO), currency),
        shipping_fee=money_round(details["shipping_fee"], currency),
    )
    placed_at = min(details["placed_at"] or timezone.now(), timezone.now())
    order = order_insert(
        shop=shop,
        customer=_customer(shop, marketplace, details),
        channel=marketplace.channel,
        payment_method=PaymentMethod.MARKETPLACE,
        amounts=amounts,
        lines=lines,
        address={name: details[name] for name in ("recipient_name", "phone", "street", "ward", "district", "province")},
        actor=actor,
        placed_at=placed_at,
        event_data={
            "marketplace_file": plan.file_name[:255],
            "marketplace_status": planned.marketplace_status,
            "platform_discount": str(details["platform_discount"]),
        },
        external_id=planned.external_id,
        note=details["note"],
        carrier=details["carrier"],
        tracking_number=details["tracking_number"],
    )
    OrderChannelFee.objects.bulk_create(
        OrderChannelFee(shop=shop, order=order, kind=kind, amount=money_round(amount, currency))
        for kind, amount in planned.fees.items()
    )
    order_placed_event_record(order, order.customer, {}, items=sum(line.quantity for line in lines))
    note = _("Paid through %(marketplace)s") % {"marketplace": marketplace.label}
    return transitions.order_confirm(order=order, actor=actor, note=note, paid_at=placed_at)


def _step(order: Order, step: Transition, planned: PlannedOrder, marketplace: Marketplace, actor: Actor) -> Order:
    """Make one transition of the pipeline on the marketplace's word."""
    said = _("%(marketplace)s: %(status)s") % {"marketplace": marketplace.label, "status": planned.marketplace_status}
    if step.name == "mark_ready_to_ship":
        return transitions.order_mark_ready_to_ship(
            order=order,
            actor=actor,
            carrier=order.carrier or str(marketplace.label),
            tracking_number=order.tracking_number or planned.details.get("tracking_number") or planned.external_id,
        )
    if step.name in ("ship", "deliver"):
        return getattr(transitions, f"order_{step.name}")(order=order, actor=actor)
    if step.name in ("cancel", "fail_delivery"):
        return getattr(transitions, f"order_{step.name}")(order=order, actor=actor, reason=said)
    return getattr(transitions, f"order_{step.name}")(order=order, actor=actor, note=said)


def marketplace_orders_import(*, shop: Shop, channel: str, file: MarketplaceFile, actor: Actor) -> ImportPlan:
    """Import a marketplace's order report, all or nothing: new orders are created (stock reserved,
    the marketplace's fees kept for finance), known ones are moved through the pipeline to the status
    the report gives (a cancellation releases their stock, once), the rest is left as it is. Imports
    of one shop run one after the other. Returns what was done.

    Refuses (InvalidInput naming `file`, every row at fault listed, nothing changed): an unreadable
    report, an unknown SKU, a bad quantity, amount or date, an unknown status, a status our order
    cannot reach (cancelled after it was shipped), too little stock."""
    with transaction.atomic():
        OrderNumberCounter.objects.get_or_create(shop=shop)
        OrderNumberCounter.objects.select_for_update().filter(shop=shop).first()
        plan = marketplace_orders_plan(shop=shop, channel=channel, file=file, actor=actor)
        if plan.errors:
            raise InvalidInput(fields={"file": plan.errors[:100]})
        for planned in plan.orders:
            try:
                _apply(planned, plan, shop, actor)
            except DomainError as error:
                raise InvalidInput(fields={"file": [_row_error(planned.rows[0], str(error))]}) from None
    return plan


def _apply(planned: PlannedOrder, plan: ImportPlan, shop: Shop, actor: Actor) -> None:
    if planned.action not in (NEW, STATUS):
        return
    order = _create(planned, plan, shop, actor) if planned.action == NEW else planned.order
    for step in planned.path:
        order = _step(order, step, planned, plan.marketplace, actor)
    planned.order = order
