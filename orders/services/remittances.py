"""Carriers' COD remittance statements: import the file (CSV or XLSX), match each parcel to its
shipment, list what differs for the accountant, and tell finance (signal) what to book.

Checks, per parcel of the file: cash collected against the COD amount booked (short / over), the
carrier's fee against the fee quoted at booking (fee not as quoted), a tracking number the shop
never booked (unknown). Then, for the account: parcels delivered with COD before the transfer day
that no statement remitted yet (missing).
"""

from dataclasses import dataclass
from datetime import date
from decimal import InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import (
    CarrierAccount,
    CodRemittance,
    CodRemittanceLine,
    RemittanceCheck,
    Shipment,
    ShipmentStatus,
)
from orders.shipping.carriers import adapter_for
from orders.shipping.carriers.base import RemittanceRow
from orders.signals import cod_remittance_imported
from sellercenter.errors import Conflict, InvalidInput
from sellercenter.money import ZERO
from sellercenter.spreadsheet import spreadsheet_rows_read, whole_amount_read

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


def remittance_rows_read(*, account: CarrierAccount, content: bytes, file_name: str) -> list[RemittanceRow]:
    """The parcels of a remittance file, by the carrier's column names. Raises InvalidInput naming
    `file` with the row for a missing column, a bad amount, a repeated tracking number, or too many rows."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(fields={"file": [_("The file is larger than 10 MB.")]})
    table = [row for row in spreadsheet_rows_read(content, file_name) if any(cell.strip() for cell in row)]
    if not table:
        raise InvalidInput(fields={"file": [_("The file is empty.")]})
    if len(table) > MAX_ROWS + 1:
        raise InvalidInput(fields={"file": [_("Import at most %(max)d rows at once.") % {"max": MAX_ROWS}]})
    header = [cell.strip() for cell in table[0]]
    columns = {}
    for name, candidates in adapter_for(account).remittance_columns.items():
        found = next((header.index(c) for c in candidates if c in header), None)
        if found is None:
            message = _("Column “%(column)s” is missing.") % {"column": candidates[0]}
            raise InvalidInput(fields={"file": [message]})
        columns[name] = found
    rows, seen = [], set()
    for number, cells in enumerate(table[1:], start=2):
        cells = cells + [""] * (len(header) - len(cells))
        tracking = cells[columns["tracking_number"]].strip()
        try:
            cod, fee = whole_amount_read(cells[columns["cod_collected"]]), whole_amount_read(cells[columns["fee"]])
        except (InvalidOperation, ValueError):
            raise InvalidInput(
                fields={"file": [_("Row %(row)d: an amount is not a number.") % {"row": number}]}
            ) from None
        if not tracking or tracking in seen:
            message = _("Row %(row)d: the tracking number is empty or repeated.") % {"row": number}
            raise InvalidInput(fields={"file": [message]})
        seen.add(tracking)
        rows.append(RemittanceRow(tracking_number=tracking, cod_collected=cod, fee=fee))
    return rows


def _outcome(shipment: Shipment | None, row: RemittanceRow) -> str:
    if shipment is None:
        return RemittanceCheck.UNKNOWN
    if row.cod_collected < shipment.cod_amount:
        return RemittanceCheck.SHORT
    if row.cod_collected > shipment.cod_amount:
        return RemittanceCheck.OVER
    if row.fee != shipment.fee_quoted:
        return RemittanceCheck.FEE_DIFFERS
    return RemittanceCheck.MATCHED


@dataclass(frozen=True)
class RemittanceFile:
    content: bytes
    file_name: str


def cod_remittance_import(
    *, account: CarrierAccount, reference: str, transferred_on: date, file: RemittanceFile, user=None
) -> CodRemittance:
    """Import a carrier's COD remittance statement once: one line per parcel with its check, a
    `missing` line for each COD parcel of the account delivered before `transferred_on` that no
    statement remitted, and each parcel's charged fee on its shipment. Sends
    `cod_remittance_imported` for finance to book the lines. Refuses (InvalidInput) a bad file or
    an empty reference, and (Conflict) a reference imported before."""
    reference = reference.strip()
    if not reference:
        raise InvalidInput(fields={"reference": [_("This field is required.")]})
    rows = remittance_rows_read(account=account, content=file.content, file_name=file.file_name)
    with transaction.atomic():
        if CodRemittance.objects.filter(account=account, reference=reference).exists():
            raise Conflict(_("This statement was imported before."), code="remittance_imported", reference=reference)
        shipments = {
            s.tracking_number: s
            for s in Shipment.objects.select_for_update().filter(
                account=account, tracking_number__in=[row.tracking_number for row in rows]
            )
        }
        remittance = CodRemittance.objects.create(
            shop_id=account.shop_id,
            account=account,
            reference=reference,
            transferred_on=transferred_on,
            cod_total=sum((row.cod_collected for row in rows), ZERO),
            fee_total=sum((row.fee for row in rows), ZERO),
            transfer_amount=sum((row.cod_collected - row.fee for row in rows), ZERO),
            file_name=file.file_name[:255],
            imported_by=user,
        )
        lines = [_line(remittance, shipments.get(row.tracking_number), row) for row in rows]
        lines += _missing(remittance, exclude=set(shipments))
        CodRemittanceLine.objects.bulk_create(lines)
        for row in rows:
            if row.tracking_number in shipments:
                Shipment.objects.filter(pk=shipments[row.tracking_number].pk).update(fee_charged=row.fee)
        cod_remittance_imported.send(sender=CodRemittance, remittance=remittance)
    return remittance


def _line(remittance: CodRemittance, shipment: Shipment | None, row: RemittanceRow) -> CodRemittanceLine:
    return CodRemittanceLine(
        shop_id=remittance.shop_id,
        remittance=remittance,
        shipment=shipment,
        order_id=shipment.order_id if shipment else None,
        tracking_number=row.tracking_number,
        cod_collected=row.cod_collected,
        fee=row.fee,
        cod_expected=shipment.cod_amount if shipment else ZERO,
        fee_quoted=shipment.fee_quoted if shipment else ZERO,
        outcome=_outcome(shipment, row),
    )


def _missing(remittance: CodRemittance, *, exclude: set[str]) -> list[CodRemittanceLine]:
    remitted = CodRemittanceLine.objects.filter(remittance__account=remittance.account, shipment__isnull=False).exclude(
        outcome=RemittanceCheck.MISSING
    )
    due = (
        Shipment.objects.filter(
            account=remittance.account,
            status=ShipmentStatus.DELIVERED,
            cod_amount__gt=0,
            delivered_at__date__lt=remittance.transferred_on,
        )
        .exclude(tracking_number__in=exclude)
        .exclude(pk__in=remitted.values("shipment_id"))
    )
    return [
        CodRemittanceLine(
            shop_id=remittance.shop_id,
            remittance=remittance,
            shipment=shipment,
            order_id=shipment.order_id,
            tracking_number=shipment.tracking_number,
            cod_expected=shipment.cod_amount,
            fee_quoted=shipment.fee_quoted,
            outcome=RemittanceCheck.MISSING,
        )
        for shipment in due.order_by("delivered_at", "pk")
    ]
