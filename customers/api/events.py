"""`POST /events` (a batch of behaviour events) and `POST /customers/identify`."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import services
from customers.models import Channel, EventType
from customers.services import MAX_BATCH
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.exceptions import flatten_fields
from sellercenter.api.fields import BoundedDictField
from sellercenter.api.idempotency import idempotent
from sellercenter.api.parsers import UNSTORABLE, unstorable_text_errors
from sellercenter.api.transactions import api_write
from sellercenter.errors import InvalidInput

CLOCK_SKEW = timedelta(minutes=5)
MAX_PROPERTIES_BYTES = 8 * 1024


class EventInputSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=100, help_text="The storefront's unique id for the event.")
    type = serializers.ChoiceField(choices=EventType.choices)
    occurred_at = serializers.DateTimeField()
    customer_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="The storefront's customer id, if known."
    )
    anonymous_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Cookie or device id of a visitor."
    )
    session_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    properties = BoundedDictField(
        max_items=100,
        max_bytes=MAX_PROPERTIES_BYTES,
        required=False,
        help_text="E.g. sku, price, quantity, url, query, utm_source; at most 8 KB.",
    )

    class Meta:
        ref_name = "CustomerEventInput"

    def validate_occurred_at(self, value):
        earliest, latest = event_time_window()
        if value > latest:
            raise serializers.ValidationError(_("The event cannot have happened in the future."))
        if value < earliest:
            raise serializers.ValidationError(
                _("The shop keeps events of the last %(months)d months only.")
                % {"months": settings.EVENTS_RETENTION_MONTHS}
            )
        return value

    def validate_properties(self, value: dict) -> dict:
        if "price" in value and not _is_amount(value["price"]):
            raise serializers.ValidationError({"price": [_("Give a price that is a number, not negative.")]})
        quantity = value.get("quantity")
        if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0):
            raise serializers.ValidationError({"quantity": [_("Give a whole number, not negative.")]})
        return value

    def validate(self, attrs):
        if not attrs.get("customer_id") and not attrs.get("anonymous_id"):
            raise serializers.ValidationError(
                {"anonymous_id": [_("Give the customer_id or the anonymous_id of who did it.")]}
            )
        return attrs


_TYPES = frozenset(EventType.values)
_CHANNELS = frozenset(Channel.values)
_OPTIONAL_TEXT = ("customer_id", "anonymous_id", "session_id")


def event_time_window() -> tuple:
    """(earliest, latest) instants an event may have happened at, now: what `validate_occurred_at`
    accepts, computed once for a whole batch."""
    return services.events_kept_since(), timezone.now() + CLOCK_SKEW


def event_checked_quickly(raw, checker: EventInputSerializer, window: tuple) -> dict | None:
    """The event as `checker.run_validation(raw)` returns it, checked without the serializer's
    machinery, when `raw` has the plain shape storefronts send (strings where the fields take text,
    an object of properties, a time inside `window`); None otherwise, and the serializer checks it
    (and says what is wrong). The rules are the serializer fields' own (stripped text, lengths, no
    NUL or lone surrogate, choices, the properties' bounds, the time window): a test compares the
    two on generated events. Running the serializer on every event was most of a batch's time."""
    if type(raw) is not dict:
        return None
    event_id, kind, occurred_at = raw.get("event_id"), raw.get("type"), raw.get("occurred_at")
    if type(event_id) is not str or type(kind) is not str or type(occurred_at) is not str or kind not in _TYPES:
        return None
    event_id = event_id.strip()
    if not 0 < len(event_id) <= 100 or UNSTORABLE.search(event_id):
        return None
    try:
        occurred = checker.fields["occurred_at"].to_internal_value(occurred_at)
    except serializers.ValidationError:
        return None
    earliest, latest = window
    if not earliest <= occurred <= latest:
        return None
    data = {"event_id": event_id, "type": kind, "occurred_at": occurred}
    for name in _OPTIONAL_TEXT:
        if name in raw:
            value = raw[name]
            if type(value) is not str:
                return None
            value = value.strip()
            if len(value) > 100 or UNSTORABLE.search(value):
                return None
            data[name] = value
    if not data.get("customer_id") and not data.get("anonymous_id"):
        return None
    if "channel" in raw:
        channel = raw["channel"]
        if type(channel) is not str or (channel and channel not in _CHANNELS):
            return None
        data["channel"] = channel
    if "properties" in raw:
        properties = raw["properties"]
        if type(properties) is not dict:
            return None
        try:
            checker.fields["properties"]._check_size(properties)
            data["properties"] = checker.validate_properties(dict(properties))
        except serializers.ValidationError:
            return None
    return data


def _is_amount(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return False
    return amount.is_finite() and amount >= 0


class EventResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the event in the batch.")
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False, help_text="Why it was rejected."
    )

    class Meta:
        ref_name = "CustomerEventResult"


class EventBatchView(APIView):
    """Store a batch of up to 500 behaviour events. Each event is checked on its own: a duplicate
    `event_id` is skipped (not an error), a bad event is rejected with the reasons, and neither stops
    the good ones. The answer is 200 with the outcome of every event, in order."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    max_body_setting = "API_EVENTS_MAX_BODY_BYTES"
    # An event with a NUL in it is rejected on its own below, not the whole batch by the parser.
    checks_text_per_item = True
    required_permissions = "customers.add_customerevent"

    class InputSerializer(serializers.Serializer):
        events = serializers.ListField(child=EventInputSerializer(), min_length=1, max_length=MAX_BATCH)

    class OutputSerializer(serializers.Serializer):
        accepted = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        rejected = serializers.IntegerField()
        results = EventResultSerializer(many=True)

        class Meta:
            ref_name = "CustomerEventBatchResult"

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="customer_events_ingest")
    @api_write
    def post(self, request):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
            raise serializers.ValidationError(
                {"events": [_("Give a list of 1 to %(max)d events.") % {"max": MAX_BATCH}]}
            )
        results, valid, positions = [], [], []
        # One serializer for every event, as DRF's ListSerializer runs its one child (building one per
        # event deep-copied its fields each time); the plain events do not even run it.
        checker, window = EventInputSerializer(), event_time_window()
        # The parser found no character PostgreSQL cannot store in the whole text: no event to walk.
        storable = getattr(request, "text_storable", False)
        for index, raw in enumerate(events):
            unstorable = {} if storable else unstorable_text_errors(raw)
            if unstorable:
                results.append(_rejected(index, raw, unstorable))
                continue
            data = event_checked_quickly(raw, checker, window)
            if data is None:
                try:
                    data = checker.run_validation(raw)
                except serializers.ValidationError as error:
                    results.append(_rejected(index, raw, flatten_fields(error.detail)))
                    continue
            valid.append(data)
            positions.append(index)
            results.append(None)
        outcomes = services.events_ingest(shop=request.shop, events=valid) if valid else []
        for index, data, outcome in zip(positions, valid, outcomes, strict=True):
            results[index] = {"index": index, "event_id": data["event_id"], "status": str(outcome)}
        counts = {
            status: sum(1 for r in results if r["status"] == status) for status in ("accepted", "duplicate", "rejected")
        }
        body = {
            "accepted": counts["accepted"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": results,
        }
        return Response(body)


def _rejected(index: int, raw, errors: dict) -> dict:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if event_id is not None:
        # The id is echoed back: without the characters the answer could not encode.
        event_id = UNSTORABLE.sub("", str(event_id))
    return {"index": index, "event_id": event_id, "status": "rejected", "errors": errors}


class IdentifyView(APIView):
    """Tell who an anonymous visitor is (at login or sign-up): the customer is created or updated
    from `traits`, the anonymous id is linked to them, and their earlier anonymous events are
    attached to them."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "customers.change_customer"

    class TraitsSerializer(serializers.Serializer):
        full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        email = serializers.CharField(max_length=254, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True)

        class Meta:
            ref_name = "CustomerIdentifyTraits"

    class InputSerializer(serializers.Serializer):
        anonymous_id = serializers.CharField(max_length=100)
        customer_id = serializers.CharField(max_length=100, help_text="The storefront's customer id.")
        traits = BoundedDictField(
            required=False, max_items=10, max_bytes=2048, help_text="full_name, email, phone (optional)."
        )

        class Meta:
            ref_name = "CustomerIdentifyInput"

    class OutputSerializer(serializers.Serializer):
        customer = serializers.IntegerField(help_text="The customer's id in Seller Center.")
        external_id = serializers.CharField()
        attached_events = serializers.IntegerField(help_text="Earlier anonymous events now attached.")

        class Meta:
            ref_name = "CustomerIdentifyResult"

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="customer_identify")
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        traits = self.TraitsSerializer(data=data.validated_data.get("traits", {}))
        if not traits.is_valid():
            raise serializers.ValidationError({"traits": traits.errors})
        customer = _upsert_or_name_fields(
            request.shop, data.validated_data["customer_id"], traits.validated_data, prefix="traits"
        )
        attached = services.customer_identify(customer=customer, anonymous_id=data.validated_data["anonymous_id"])
        return Response({"customer": customer.pk, "external_id": customer.external_id, "attached_events": attached})


def _upsert_or_name_fields(shop, external_id: str, fields: dict, *, prefix: str):
    """customer_upsert, naming the fields at fault as the request does (`traits.phone`, `customer_id`)."""
    try:
        return services.customer_upsert(shop=shop, external_id=external_id, **fields)
    except InvalidInput as error:
        names = {name: "customer_id" if name == "external_id" else f"{prefix}.{name}" for name in error.fields}
        raise InvalidInput(fields={names[name]: messages for name, messages in error.fields.items()}) from None
