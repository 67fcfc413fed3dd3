"""`/push-subscriptions`: the storefront registers and removes a browser's Web Push subscription."""

import base64
import binascii

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import customer_named
from customers.services.push import push_subscription_register, push_subscription_remove
from sellercenter.api.base import STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.transactions import api_write


def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


class KeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200, help_text="The browser's P-256 public key, base64url.")
    auth = serializers.CharField(max_length=100, help_text="The browser's 16-byte auth secret, base64url.")

    class Meta:
        ref_name = "PushSubscriptionKeys"

    def validate_p256dh(self, value: str) -> str:
        raw = _b64url_bytes(value)
        if raw is None or len(raw) != 65 or raw[0] != 4:
            raise serializers.ValidationError(_("Give the uncompressed P-256 public key, base64url (65 bytes)."))
        return value

    def validate_auth(self, value: str) -> str:
        raw = _b64url_bytes(value)
        if raw is None or len(raw) != 16:
            raise serializers.ValidationError(_("Give the 16-byte auth secret, base64url."))
        return value


class PushSubscriptionView(APIView):
    """Register a browser's push subscription (what `PushManager.subscribe()` returned), for a customer
    (`customer_id`, the storefront's id) or an anonymous visitor (`anonymous_id`, tied to the customer
    when identify names them). Registering the same endpoint again updates it. DELETE with the
    endpoint removes it (the visitor turned notifications off)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"POST": "customers.add_pushsubscription", "DELETE": "customers.delete_pushsubscription"}

    class InputSerializer(serializers.Serializer):
        endpoint = serializers.URLField(max_length=1000)
        keys = KeysSerializer()
        customer_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
        anonymous_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
        user_agent = serializers.CharField(max_length=300, required=False, allow_blank=True)

        class Meta:
            ref_name = "PushSubscriptionInput"

        def validate(self, attrs):
            if not attrs.get("customer_id") and not attrs.get("anonymous_id"):
                raise serializers.ValidationError(
                    {"anonymous_id": [_("Give the customer_id or the anonymous_id of the browser.")]}
                )
            return attrs

    class RemoveSerializer(serializers.Serializer):
        endpoint = serializers.URLField(max_length=1000)

        class Meta:
            ref_name = "PushSubscriptionRemove"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        endpoint = serializers.CharField()
        customer = serializers.IntegerField(source="customer_id", allow_null=True)
        anonymous_id = serializers.CharField()

        class Meta:
            ref_name = "PushSubscription"

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, operation_id="push_subscription_register"
    )
    @api_write
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = None
        if values.get("customer_id"):
            customer = customer_named(shop=request.shop, external_id=values["customer_id"], field="customer_id")
        subscription = push_subscription_register(
            shop=request.shop,
            endpoint=values["endpoint"],
            p256dh=values["keys"]["p256dh"],
            auth=values["keys"]["auth"],
            customer=customer,
            anonymous_id=values.get("anonymous_id", ""),
            user_agent=values.get("user_agent", ""),
        )
        return Response(self.OutputSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RemoveSerializer, responses={204: None}, operation_id="push_subscription_remove")
    @api_write
    def delete(self, request):
        data = self.RemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        push_subscription_remove(shop=request.shop, endpoint=data.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushKeyView(APIView):
    """The VAPID public key the storefront passes to `PushManager.subscribe()` as applicationServerKey."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "customers.view_pushsubscription"

    class OutputSerializer(serializers.Serializer):
        public_key = serializers.CharField(help_text="Base64url, uncompressed P-256 point; empty if not set up.")

        class Meta:
            ref_name = "PushPublicKey"

    @extend_schema(responses=OutputSerializer, operation_id="push_public_key")
    def get(self, request):
        return Response({"public_key": settings.VAPID_PUBLIC_KEY})
