"""Products and stock. Every change of a stock counter is one conditional UPDATE (it cannot overrun,
whatever runs at the same time) and one StockMovement row (the audit trail)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from orders.models import Order, Product, ProductGroup, StockMovement, StockMovementKind
from orders.pipeline import Actor
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.models import Shop
from sellercenter.money import money_round, to_decimal
from sellercenter.text import search_key


@dataclass(frozen=True)
class StockChange:
    """One counter change to apply: `on_hand` and `reserved` are deltas."""

    product: Product
    kind: str
    on_hand: int = 0
    reserved: int = 0


def product_upsert(*, shop: Shop, sku: str, name: str, price, is_active: bool = True) -> Product:
    """Create the shop's product with this SKU, or update its name, price and flag. Stock is not
    touched here: it changes through the stock services only. Refuses an empty SKU or name and a
    negative price."""
    sku, name = sku.strip(), name.strip()
    errors = {}
    if not sku:
        errors["sku"] = [_("This field is required.")]
    if not name:
        errors["name"] = [_("This field is required.")]
    try:
        price = money_round(to_decimal(price), shop.currency)
    except (TypeError, ValueError):
        errors["price"] = [_("Enter an amount of money.")]
    else:
        if price < 0:
            errors["price"] = [_("The price cannot be negative.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        product, created = Product.objects.update_or_create(
            shop=shop, sku=sku, defaults={"name": name, "price": price, "is_active": is_active}
        )
        if created:
            # A SKU that comes alone is a catalogue product of its own, so the storefront lists it.
            product.group = ProductGroup.objects.create(shop=shop, name=name, search_key=search_key(name)[:255])
            product.save(update_fields=["group"])
    return product


def _lock_in_pk_order(product_ids: list[int]) -> None:
    # One statement takes every row, in pk order: two callers changing the same products wait for
    # each other instead of deadlocking (the UPDATE below visits rows in no promised order).
    list(Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk").values_list("pk", flat=True))


def _update_counters(deltas: dict[int, tuple[int, int]]) -> set[int]:
    """One UPDATE for every product: add each (on hand, reserved) delta where neither counter would go
    below zero nor `reserved` above `on hand`. Returns the pks it changed."""
    table = connection.ops.quote_name(Product._meta.db_table)
    rows = ", ".join(["(CAST(%s AS bigint), CAST(%s AS integer), CAST(%s AS integer))"] * len(deltas))
    params = [value for pk, (on_hand, reserved) in deltas.items() for value in (pk, on_hand, reserved)]
    sql = (
        f"WITH change(id, on_hand, reserved) AS (VALUES {rows}) "  # noqa: S608 (placeholders, model names)
        f"UPDATE {table} SET stock_on_hand = {table}.stock_on_hand + change.on_hand, "
        f"stock_reserved = {table}.stock_reserved + change.reserved "
        f"FROM change WHERE {table}.id = change.id "
        f"AND {table}.stock_reserved + change.reserved >= 0 "
        f"AND {table}.stock_on_hand + change.on_hand >= {table}.stock_reserved + change.reserved "
        f"RETURNING {table}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def stock_apply(
    *, changes: Iterable[StockChange], actor: Actor, reason: str = "", order: Order | None = None, locked: bool = False
) -> None:
    """Apply stock changes: the products' rows are locked in pk order (unless the caller already holds
    them, `locked`), every counter changes in one conditional UPDATE that refuses to take either
    counter below zero or `reserved` above `on hand`, and the movements are written in one insert. A
    refusal raises Conflict naming the first SKU (in pk order) that lacks stock, and nothing is
    changed. Two to three statements, whatever the number of changes."""
    changes = sorted(changes, key=lambda change: change.product.pk)
    if not changes:
        return
    deltas: dict[int, tuple[int, int]] = {}
    for change in changes:
        on_hand, reserved = deltas.get(change.product.pk, (0, 0))
        deltas[change.product.pk] = (on_hand + change.on_hand, reserved + change.reserved)
    with transaction.atomic(savepoint=False):
        if not locked and connection.features.has_select_for_update:
            _lock_in_pk_order(list(deltas))
        changed = _update_counters(deltas)
        short = next((change.product for change in changes if change.product.pk not in changed), None)
        if short is not None:
            raise Conflict(_("Not enough stock of %(sku)s.") % {"sku": short.sku}, code="out_of_stock", sku=short.sku)
        _record_movements(changes, actor=actor, reason=reason, order=order)


def _record_movements(changes: list[StockChange], *, actor: Actor, reason: str, order: Order | None) -> None:
    StockMovement.objects.bulk_create(
        StockMovement(
            shop_id=change.product.shop_id,
            product=change.product,
            kind=change.kind,
            on_hand_delta=change.on_hand,
            reserved_delta=change.reserved,
            order=order,
            reason=reason,
            **actor.record_fields(),
        )
        for change in changes
    )


def _one_change(*, product: Product, kind: str, on_hand: int, reason: str, actor: Actor) -> Product:
    with transaction.atomic():
        stock_apply(changes=[StockChange(product=product, kind=kind, on_hand=on_hand)], actor=actor, reason=reason)
    product.refresh_from_db(fields=["stock_on_hand", "stock_reserved"])
    return product


def stock_receive(*, product: Product, quantity: int, actor: Actor, reason: str = "") -> Product:
    """Add `quantity` units delivered to the warehouse. Refuses a quantity below 1."""
    if quantity < 1:
        raise InvalidInput(fields={"quantity": [_("Receive at least one unit.")]})
    return _one_change(product=product, kind=StockMovementKind.RECEIVED, on_hand=quantity, reason=reason, actor=actor)


def stock_adjust(*, product: Product, delta: int, actor: Actor, reason: str) -> Product:
    """Correct the stock on hand by `delta` (a count, damage, loss), with the reason written down.

    Refuses a zero change, a missing reason, and taking on-hand stock below what orders reserved
    (Conflict naming the SKU)."""
    errors = {}
    if delta == 0:
        errors["delta"] = [_("The change cannot be zero.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the stock changes.")]
    if errors:
        raise InvalidInput(fields=errors)
    return _one_change(product=product, kind=StockMovementKind.ADJUSTED, on_hand=delta, reason=reason, actor=actor)


def stock_count_set(
    *, product: Product, counted: int, actor: Actor, reason: str, kind: str = StockMovementKind.ADJUSTED
) -> Product:
    """Record a stock count: on hand becomes `counted`, written as one movement of `kind`. The
    difference is computed under a row lock, so a reservation made meanwhile is not overwritten. A
    count equal to the stock changes nothing. Refuses a negative count, or one below what orders
    reserved."""
    if counted < 0:
        raise InvalidInput(fields={"counted": [_("A count cannot be negative.")]})
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        delta = counted - locked.stock_on_hand
        if delta:
            stock_apply(
                changes=[StockChange(product=locked, kind=kind, on_hand=delta)],
                actor=actor,
                reason=reason or _("Stock count"),
            )
    product.refresh_from_db(fields=["stock_on_hand", "stock_reserved"])
    return product


# What a stock change given by its reason does to on hand: a stocktake sets it, the others add or remove.
STOCK_SET_KINDS = (StockMovementKind.STOCKTAKE, StockMovementKind.RECEIVED, StockMovementKind.DAMAGED)


def stock_set(*, product: Product, kind: str, quantity: int, actor: Actor, note: str = "") -> Product:
    """Change a SKU's stock on hand for a reason: `stocktake` sets it to `quantity` (the units
    counted), `received` adds `quantity`, `damaged` removes `quantity`; one StockMovement of that
    kind, with `note`, records it. Refuses another kind, a negative count or a quantity below 1 for
    the others (InvalidInput naming `quantity`), and going below what orders reserved (Conflict)."""
    if kind == StockMovementKind.STOCKTAKE:
        if quantity < 0:
            raise InvalidInput(fields={"quantity": [_("A count cannot be negative.")]})
        return stock_count_set(product=product, counted=quantity, actor=actor, reason=note, kind=kind)
    if kind not in STOCK_SET_KINDS:
        raise InvalidInput(fields={"kind": [_("Choose stocktake, received or damaged.")]})
    if quantity < 1:
        raise InvalidInput(fields={"quantity": [_("Give at least one unit.")]})
    if kind == StockMovementKind.RECEIVED:
        return stock_receive(product=product, quantity=quantity, actor=actor, reason=note)
    return _one_change(product=product, kind=kind, on_hand=-quantity, reason=note or _("Damaged"), actor=actor)


def order_stock_changes(*, order: Order, kind: str, on_hand: int, reserved: int) -> list[StockChange]:
    """The same per-unit change for every line of `order` (e.g. reserved -1 per unit to release it)."""
    return [
        StockChange(product=line.product, kind=kind, on_hand=on_hand * line.quantity, reserved=reserved * line.quantity)
        for line in order.lines.select_related("product")
    ]
