"""What a marketplace's order report looks like, declared as data: which of its columns holds each
thing the import reads, and what its statuses mean in the order pipeline. One `Marketplace` per
marketplace (orders.marketplaces.shopee, .lazada, .tiktok_shop); the one import engine
(orders.services.marketplace_orders) reads every report through them."""

from dataclasses import dataclass, field

from django.utils.functional import Promise

# What the import reads. Reports carry one row per order line; the rows of one order id are grouped.
# Per row: order_id, status, sku, quantity, unit_price (before the seller's discount), and either
# sale_price (unit price after it) or line_discount (the seller's discount on the row), and
# platform_discount (what the marketplace funded: the seller is paid it, so it is not a discount
# of the shop's). Per order (read from its first row, or summed over its rows when `summed` says so):
# the buyer and delivery details, shipping_fee (what the buyer paid for shipping), the marketplace's
# fees, placed_at, carrier and tracking_number.
REQUIRED = ("order_id", "status", "sku", "quantity", "unit_price", "recipient_name", "street")
OPTIONAL = (
    "sale_price",
    "line_discount",
    "platform_discount",
    "order_total",
    "shipping_fee",
    "buyer",
    "phone",
    "ward",
    "district",
    "province",
    "note",
    "placed_at",
    "carrier",
    "tracking_number",
    "commission",
    "fixed_fee",
    "service_fee",
    "payment_fee",
)
FEES = ("commission", "fixed_fee", "service_fee", "payment_fee")


@dataclass(frozen=True)
class Marketplace:
    channel: str
    label: Promise
    # Our name (REQUIRED, OPTIONAL) -> the report's column header.
    columns: dict[str, str]
    # The report's status (compared without case or surrounding spaces) -> our OrderStatus.
    statuses: dict[str, str]
    # Statuses of orders that are not orders yet (unpaid): their rows are left out.
    ignored_statuses: tuple[str, ...] = ()
    # One row per unit sold, without a quantity column (Lazada): each row is one unit.
    one_unit_per_row: bool = False
    # Order amounts given per row and summed over the order's rows (Lazada splits shipping by item).
    summed: frozenset[str] = field(default_factory=frozenset)
    # How `placed_at` is written, tried in turn (ISO 8601 is always accepted).
    date_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def required(self) -> list[str]:
        return [name for name in REQUIRED if not (name == "quantity" and self.one_unit_per_row)]

    def status_for(self, text: str) -> str | None:
        """Our status for the report's `text`, or None when the report's status is unknown."""
        wanted = text.strip().casefold()
        return next((ours for theirs, ours in self.statuses.items() if theirs.casefold() == wanted), None)

    def is_ignored(self, text: str) -> bool:
        return text.strip().casefold() in {status.casefold() for status in self.ignored_statuses}
