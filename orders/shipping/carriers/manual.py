"""Self-delivery or a carrier without an integration: staff type the tracking number and move the
order by hand (or the carrier reports with a back-office API key). Nothing is called."""

from orders.models import Carrier
from orders.shipping.carriers.base import Booking, CarrierAdapter, CarrierRefused, Quote
from sellercenter.money import ZERO


class ManualAdapter(CarrierAdapter):
    carrier = Carrier.MANUAL

    def quote(self, *, parcel, destination) -> Quote:
        raise CarrierRefused("no fee table for self-delivery")

    def create(self, *, reference, parcel, destination, note="", tracking_number: str = "") -> Booking:
        return Booking(tracking_number=tracking_number or reference, fee=ZERO)

    def cancel(self, *, tracking_number: str) -> None:
        return None
