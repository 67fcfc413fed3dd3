"""Signals orders sends to the apps above it (finance). Receivers run inside the sender's transaction:
what they write commits or rolls back with the change they react to."""

from django.dispatch import Signal

# Sent by every status transition, after its OrderEvent row is written.
# kwargs: order (Order, already in its new status), previous (str), status (str), event (OrderEvent).
order_status_changed = Signal()

# Sent when a return request is refunded, after the order's refunded amount is updated.
# kwargs: return_request (ReturnRequest), amount (Decimal, the amount refunded by this request).
return_refunded = Signal()

# Sent when a carrier's COD remittance statement is imported, after its lines are matched.
# kwargs: remittance (CodRemittance, with its lines written).
cod_remittance_imported = Signal()
