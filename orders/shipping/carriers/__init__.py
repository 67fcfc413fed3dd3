"""The carrier adapters, one per carrier, all behind orders.shipping.carriers.base.CarrierAdapter."""

from orders.models import Carrier, CarrierAccount
from orders.shipping.carriers.base import CarrierAdapter
from orders.shipping.carriers.ghn import GHNAdapter
from orders.shipping.carriers.ghtk import GHTKAdapter
from orders.shipping.carriers.manual import ManualAdapter

ADAPTERS: dict[str, type[CarrierAdapter]] = {
    Carrier.GHN: GHNAdapter,
    Carrier.GHTK: GHTKAdapter,
    Carrier.MANUAL: ManualAdapter,
}


def adapter_for(account: CarrierAccount) -> CarrierAdapter:
    return ADAPTERS[account.carrier](account)
