"""The one interface every carrier adapter follows, the values that cross it, and the HTTP call
they share. Adapters translate; they never touch the database (the services do)."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from orders.models import CarrierAccount, TrackingMilestone, Ward
from orders.shipping.credentials import credentials_open
from sellercenter.money import ZERO


class CarrierError(Exception):
    """The carrier did not do what was asked. `message` is the carrier's own words."""

    def __init__(self, message: str, *, status: int | None = None):
        self.message, self.status = message, status
        super().__init__(message)


class CarrierRefused(CarrierError):
    """The carrier answered and said no (bad address, wrong token, order already picked): retrying
    the same request will not help."""


class CarrierUnavailable(CarrierError):
    """The carrier could not be reached, failed, or asked us to slow down (429): retry later."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: int | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class WebhookRejected(Exception):
    """A webhook that does not authenticate as this account's carrier."""


class WebhookUnreadable(WebhookRejected):
    """An authentic webhook whose body is not in the carrier's documented shape."""


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    price: Decimal
    weight_grams: int


@dataclass(frozen=True)
class Parcel:
    """What is sent: its weight and size (from the catalogue), the cash to collect, the insured value."""

    items: tuple[Item, ...]
    weight_grams: int
    length_cm: int
    width_cm: int
    height_cm: int
    cod_amount: Decimal = ZERO
    insurance_value: Decimal = ZERO


@dataclass(frozen=True)
class Destination:
    name: str
    phone: str
    street: str
    ward: Ward


@dataclass(frozen=True)
class Quote:
    fee: Decimal
    insurance_fee: Decimal = ZERO
    service: str = ""


@dataclass(frozen=True)
class Booking:
    tracking_number: str
    fee: Decimal
    expected_delivery: datetime | None = None


@dataclass(frozen=True)
class Label:
    """The carrier's printable label: a page to open (`url`) or a PDF document (`pdf`)."""

    url: str = ""
    pdf: bytes = b""


@dataclass(frozen=True)
class TrackingUpdate:
    """One status report of a carrier, whatever its shape: what it said, what that means for the
    order, when, and the identity that makes a repeated report recognisable."""

    tracking_number: str
    carrier_status: str
    milestone: str
    occurred_at: datetime
    dedup_key: str
    note: str = ""
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RemittanceRow:
    tracking_number: str
    cod_collected: Decimal
    fee: Decimal


class CarrierAdapter:
    """One carrier's API. Subclasses set `carrier`, the default `base_url`, the status table and the
    remittance file's column names, and implement the operations."""

    carrier = ""
    default_base_url = ""
    # The carrier's status -> TrackingMilestone.
    statuses: dict[str, str] = {}
    # The remittance file's headers for: tracking number, COD collected, fee (first match wins).
    remittance_columns: dict[str, tuple[str, ...]] = {}

    def __init__(self, account: CarrierAccount):
        self.account = account
        self.credentials = credentials_open(account.credentials)
        self.base_url = (account.base_url or self.default_base_url).rstrip("/")

    # --- operations ---------------------------------------------------------------------------------

    def quote(self, *, parcel: Parcel, destination: Ward) -> Quote:
        raise NotImplementedError

    def create(self, *, reference: str, parcel: Parcel, destination: Destination, note: str = "") -> Booking:
        raise NotImplementedError

    def cancel(self, *, tracking_number: str) -> None:
        raise NotImplementedError

    def label(self, *, tracking_number: str) -> Label | None:
        return None

    def track(self, *, tracking_number: str) -> list[TrackingUpdate]:
        return []

    def webhook_updates(self, *, body: bytes, query: dict) -> list[TrackingUpdate]:
        raise WebhookRejected("This carrier sends no webhooks.")

    def milestone(self, status: str) -> str:
        return self.statuses.get(str(status), TrackingMilestone.NONE)

    def tracking_update(
        self, *, tracking_number: str, status: str, occurred_at: datetime, dedup_key: str, note="", payload=None
    ) -> TrackingUpdate:
        """A report of `status` by this carrier, with the milestone its status table gives it."""
        return TrackingUpdate(
            tracking_number=tracking_number,
            carrier_status=status,
            milestone=self.milestone(status),
            occurred_at=occurred_at,
            dedup_key=dedup_key,
            note=note,
            payload=payload or {},
        )

    # --- HTTP ---------------------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        return {}

    def call(self, method: str, path: str, *, body: dict | None = None, query: dict | None = None) -> tuple[int, bytes]:
        """Send one request; returns (status, body) for answers below 500 except 429. Raises
        CarrierUnavailable for what a retry may fix: no answer, a timeout, 429, 5xx."""
        url = f"{self.base_url}{path}"
        if query:
            url = f"{url}?{urllib.parse.urlencode(query)}"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self.headers()}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=settings.SHIPPING_CARRIER_TIMEOUT) as answer:  # noqa: S310
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            content = error.read()
            if error.code == 429:
                retry = error.headers.get("Retry-After", "")
                raise CarrierUnavailable(
                    "rate limited", status=429, retry_after=int(retry) if retry.isdigit() else None
                ) from None
            if error.code >= 500:
                raise CarrierUnavailable(f"HTTP {error.code}", status=error.code) from None
            return error.code, content
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            raise CarrierUnavailable(f"unreachable: {error}") from None

    def call_json(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        status, content = self.call(method, path, **kwargs)
        try:
            answer = json.loads(content or b"{}")
        except ValueError:
            raise CarrierUnavailable(f"unreadable answer (HTTP {status})", status=status) from None
        return status, answer if isinstance(answer, dict) else {}

    def call_accepted(self, method: str, path: str, *, accepted, **kwargs) -> dict:
        """`call_json`, whose answer must be HTTP 200 and `accepted(answer)`; otherwise the carrier
        refused, and CarrierRefused carries its message (or the HTTP status)."""
        status, answer = self.call_json(method, path, **kwargs)
        if status != 200 or not accepted(answer):
            raise CarrierRefused(str(answer.get("message") or f"HTTP {status}"), status=status)
        return answer
