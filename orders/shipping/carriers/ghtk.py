"""GHTK (Giao Hàng Tiết Kiệm), Shipment API v1 (docs.giaohangtietkiem.vn, as published in 2025).

Requests carry the `Token` header (and `X-Client-Source`, the partner code, for partner accounts);
answers are `{"success": bool, "message": ...}`. Status webhooks POST `label_id`, `partner_id`,
`status_id` (numeric), `action_time`, `reason_code`, `reason`, `weight`, `fee`, `pick_money`; the
URL registered with GHTK carries `hash`, the secret agreed with it, which is checked here.
"""

import hmac
import json
import urllib.parse
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

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


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    # GHTK's "modified" has no offset: it is Vietnam time.
    return moment if moment.tzinfo else timezone.make_aware(moment, timezone.get_fixed_timezone(7 * 60))


class GHTKAdapter(CarrierAdapter):
    carrier = Carrier.GHTK
    default_base_url = "https://services.giaohangtietkiem.vn"
    statuses = {
        "-1": M.CANCELLED,
        "1": M.NONE,  # not yet received by GHTK
        "2": M.NONE,  # received, not picked up
        "3": M.PICKED_UP,
        "4": M.IN_TRANSIT,
        "5": M.DELIVERED,
        "6": M.DELIVERED,  # delivered and reconciled
        "7": M.NONE,  # could not pick up
        "8": M.NONE,  # pick-up postponed
        "9": M.FAILED_ATTEMPT,
        "10": M.FAILED_ATTEMPT,  # delivery postponed
        "11": M.RETURNED,  # return reconciled
        "12": M.NONE,  # picking
        "13": M.NONE,  # compensation
        "20": M.RETURNING,
        "21": M.RETURNED,
        # The courier's own reports (123 picked, 127/128 pick-up trouble, 45 delivered, 49/410 not
        # delivered) precede GHTK's confirmation by the codes above, which are what moves the order.
        "123": M.NONE,
        "127": M.NONE,
        "128": M.NONE,
        "45": M.NONE,
        "49": M.NONE,
        "410": M.NONE,
    }
    remittance_columns = {
        "tracking_number": ("Mã đơn hàng", "label_id", "label"),
        "cod_collected": ("Tiền thu hộ", "pick_money", "cod"),
        "fee": ("Phí", "fee", "Tổng phí"),
    }

    def headers(self) -> dict[str, str]:
        headers = {"Token": self.credentials.get("token", "")}
        if self.account.carrier_shop_id:
            headers["X-Client-Source"] = self.account.carrier_shop_id
        return headers

    def _call(self, method: str, path: str, **kwargs) -> dict:
        return self.call_accepted(method, path, accepted=lambda answer: answer.get("success"), **kwargs)

    def _places(self, ward) -> dict:
        return {
            "province": ward.province.ghtk_name or ward.province.name,
            "district": ward.ghtk_district,
            "ward": ward.ghtk_name or ward.name,
        }

    def _pickup(self) -> dict:
        ward = self.account.pickup_ward
        places = self._places(ward) if ward else {"province": "", "district": "", "ward": ""}
        return {f"pick_{name}": value for name, value in places.items()}

    def quote(self, *, parcel: Parcel, destination) -> Quote:
        query = {
            **self._pickup(),
            **self._places(destination),
            "weight": parcel.weight_grams,
            "value": int(parcel.insurance_value),
            "transport": self.account.service or "road",
            "deliver_option": "none",
        }
        answer = self._call("GET", "/services/shipment/fee", query=query)
        fee = answer.get("fee") or {}
        if not fee.get("delivery", True):
            raise CarrierRefused("GHTK does not deliver to this address")
        return Quote(
            fee=Decimal(str(fee.get("fee", 0))),
            insurance_fee=Decimal(str(fee.get("insurance_fee", 0))),
            service=self.account.service or "road",
        )

    def create(self, *, reference: str, parcel: Parcel, destination: Destination, note: str = "", **_kw) -> Booking:
        order = {
            "id": reference,
            "pick_name": self.account.pickup_name,
            "pick_address": self.account.pickup_street,
            "pick_tel": self.account.pickup_phone,
            **self._pickup(),
            "name": destination.name,
            "tel": destination.phone,
            "address": destination.street,
            **self._places(destination.ward),
            "hamlet": "Khác",
            "is_freeship": "1",  # the shop pays the fee; the buyer paid shipping in the order total
            "pick_money": int(parcel.cod_amount),
            "value": int(parcel.insurance_value),
            "transport": self.account.service or "road",
            "note": note[:120],
        }
        products = [
            {"name": i.name, "quantity": i.quantity, "price": int(i.price), "weight": i.weight_grams / 1000}
            for i in parcel.items
        ]
        answer = self._call("POST", "/services/shipment/order", body={"products": products, "order": order})
        booked = answer["order"]
        return Booking(tracking_number=booked["label"], fee=Decimal(str(booked.get("fee", 0))))

    def cancel(self, *, tracking_number: str) -> None:
        self._call("POST", f"/services/shipment/cancel/{urllib.parse.quote(tracking_number)}")

    def label(self, *, tracking_number: str) -> Label:
        status, content = self.call("GET", f"/services/label/{urllib.parse.quote(tracking_number)}")
        if status != 200 or not content.startswith(b"%PDF"):
            raise CarrierRefused("GHTK returned no label", status=status)
        return Label(pdf=content)

    def track(self, *, tracking_number: str) -> list[TrackingUpdate]:
        answer = self._call("GET", f"/services/shipment/v2/{urllib.parse.quote(tracking_number)}")
        order = answer.get("order") or {}
        return [self._update(tracking_number, str(order["status"]), order["modified"], "", order)]

    def _update(self, label, status, time, note, payload) -> TrackingUpdate:
        moment = _when(time)
        key = f"{label}:{status}:{moment.isoformat()}"
        return self.tracking_update(
            tracking_number=label, status=status, occurred_at=moment, dedup_key=key, note=note, payload=payload
        )

    def webhook_updates(self, *, body: bytes, query: dict) -> list[TrackingUpdate]:
        secret = self.credentials.get("webhook_secret", "")
        if not secret or not hmac.compare_digest(str(query.get("hash", "")), secret):
            raise WebhookRejected("hash does not match")
        try:
            text = body.decode()
            payload = json.loads(text) if text.lstrip().startswith("{") else dict(urllib.parse.parse_qsl(text))
            label, status, time = payload["label_id"], str(payload["status_id"]), payload["action_time"]
            update = self._update(str(label), status, time, str(payload.get("reason") or "")[:500], payload)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            raise WebhookUnreadable(f"not a GHTK status update: {error}") from None
        return [update]
