"""GHN (Giao Hàng Nhanh), Shiip public API v2 (api.ghn.vn/home/docs, as published in 2025).

Requests carry the `Token` and `ShopId` headers; answers are `{"code", "message", "data"}` with the
HTTP status repeated in `code`. Fees and COD are whole dong. Tracking webhooks ("callback") POST JSON
with `OrderCode`, `Status`, `Time`, `Type`, `ShopID`; GHN signs nothing, so the URL registered with
it carries the account's secret webhook key, and the ShopID must be the account's.
"""

import json
from datetime import datetime
from decimal import Decimal

from orders.models import Carrier, TrackingMilestone
from orders.shipping.carriers.base import (
    Booking,
    CarrierAdapter,
    CarrierRefused,
    Destination,
    Label,
    Parcel,
    Quote,
    TrackingUpdate,
    WebhookRejected,
    WebhookUnreadable,
)

M = TrackingMilestone
API = "/shiip/public-api"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class GHNAdapter(CarrierAdapter):
    carrier = Carrier.GHN
    default_base_url = "https://online-gateway.ghn.vn"
    statuses = {
        "ready_to_pick": M.NONE,
        "picking": M.NONE,
        "money_collect_picking": M.NONE,
        "picked": M.PICKED_UP,
        "storing": M.IN_TRANSIT,
        "transporting": M.IN_TRANSIT,
        "sorting": M.IN_TRANSIT,
        "delivering": M.IN_TRANSIT,
        "money_collect_delivering": M.IN_TRANSIT,
        "delivered": M.DELIVERED,
        "delivery_fail": M.FAILED_ATTEMPT,
        "waiting_to_return": M.RETURNING,
        "return": M.RETURNING,
        "return_transporting": M.RETURNING,
        "return_sorting": M.RETURNING,
        "returning": M.RETURNING,
        "return_fail": M.RETURNING,
        "returned": M.RETURNED,
        "cancel": M.CANCELLED,
        "exception": M.NONE,
        "damage": M.NONE,
        "lost": M.NONE,
    }
    remittance_columns = {
        "tracking_number": ("Mã đơn GHN", "OrderCode", "order_code"),
        "cod_collected": ("Tiền thu hộ", "CODAmount", "cod_amount"),
        "fee": ("Tổng phí", "TotalFee", "total_fee"),
    }

    def headers(self) -> dict[str, str]:
        return {"Token": self.credentials.get("token", ""), "ShopId": self.account.carrier_shop_id}

    def _post(self, path: str, body: dict):
        answer = self.call_accepted("POST", f"{API}{path}", body=body, accepted=lambda a: a.get("code") == 200)
        return answer.get("data")

    def _route(self, parcel: Parcel, ward) -> dict:
        pickup = self.account.pickup_ward
        return {
            "service_type_id": int(self.account.service or 2),
            "from_district_id": pickup.ghn_district_id if pickup else None,
            "from_ward_code": pickup.ghn_ward_code if pickup else "",
            "to_district_id": ward.ghn_district_id,
            "to_ward_code": ward.ghn_ward_code,
            "weight": parcel.weight_grams,
            "length": parcel.length_cm,
            "width": parcel.width_cm,
            "height": parcel.height_cm,
            "insurance_value": int(parcel.insurance_value),
            "cod_value": int(parcel.cod_amount),
        }

    def quote(self, *, parcel, destination) -> Quote:
        if not destination.ghn_ward_code:
            raise CarrierRefused("GHN has no ward code for this ward")
        data = self._post("/v2/shipping-order/fee", self._route(parcel, destination))
        return Quote(
            fee=Decimal(str(data["total"])),
            insurance_fee=Decimal(str(data.get("insurance_fee", 0))),
            service=str(self.account.service or 2),
        )

    def create(self, *, reference: str, parcel: Parcel, destination: Destination, note: str = "", **_kw) -> Booking:
        route = self._route(parcel, destination.ward)
        route.pop("cod_value")
        body = {
            **route,
            "payment_type_id": 1,  # the shop pays the fee; the buyer paid shipping in the order total
            "required_note": "CHOXEMHANGKHONGTHU",
            "client_order_code": reference,
            "from_name": self.account.pickup_name,
            "from_phone": self.account.pickup_phone,
            "from_address": self.account.pickup_street,
            "to_name": destination.name,
            "to_phone": destination.phone,
            "to_address": destination.street,
            "cod_amount": int(parcel.cod_amount),
            "content": ", ".join(f"{item.name} x{item.quantity}" for item in parcel.items)[:2000],
            "note": note[:5000],
            "items": [
                {"name": i.name, "quantity": i.quantity, "price": int(i.price), "weight": i.weight_grams}
                for i in parcel.items
            ],
        }
        data = self._post("/v2/shipping-order/create", body)
        expected = data.get("expected_delivery_time")
        return Booking(
            tracking_number=data["order_code"],
            fee=Decimal(str(data.get("total_fee", 0))),
            expected_delivery=_when(expected) if expected else None,
        )

    def cancel(self, *, tracking_number: str) -> None:
        results = self._post("/v2/switch-status/cancel", {"order_codes": [tracking_number]}) or []
        for result in results:
            if result.get("order_code") == tracking_number and not result.get("result"):
                raise CarrierRefused(str(result.get("message") or "not cancelled"))

    def label(self, *, tracking_number: str) -> Label:
        data = self._post("/v2/a5/gen-token", {"order_codes": [tracking_number]})
        return Label(url=f"{self.base_url}/a5/public-api/printA5?token={data['token']}")

    def track(self, *, tracking_number: str) -> list[TrackingUpdate]:
        data = self._post("/v2/shipping-order/detail", {"order_code": tracking_number})
        return [
            self._update(tracking_number, entry["status"], entry["updated_date"], "switch_status", "", entry, "poll")
            for entry in data.get("log") or []
        ]

    def _update(self, code, status, time, kind, note, payload, source="") -> TrackingUpdate:
        moment = _when(time)
        # GHN sends each status change once per time stamp; polls repeat the same entries.
        key = f"{code}:{kind}:{status}:{moment.isoformat()}"
        return self.tracking_update(
            tracking_number=code, status=status, occurred_at=moment, dedup_key=key, note=note, payload=payload
        )

    def webhook_updates(self, *, body: bytes, query: dict) -> list[TrackingUpdate]:
        try:
            payload = json.loads(body)
            code, status, time = payload["OrderCode"], payload["Status"], payload["Time"]
            kind = payload.get("Type", "switch_status")
            _when(time)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise WebhookUnreadable(f"not a GHN callback: {error}") from None
        if str(payload.get("ShopID", "")) != str(self.account.carrier_shop_id):
            raise WebhookRejected("ShopID is not this account's")
        if str(kind).lower() != "switch_status":
            status = f"{kind}:{status}"  # weight or fee updates: stored, they move nothing
        note = str(payload.get("Reason") or payload.get("Description") or "")[:500]
        return [self._update(str(code), str(status), str(time), kind, note, payload)]
