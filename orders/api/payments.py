"""Payment notifications from gateways: `POST /api/v1/payments/notify`.

Gateways hold no API key: a notification proves where it comes from by its `X-Signature` header,
the hex HMAC-SHA256 of the raw body under the secret of the shop's gateway account, whose merchant
code the body names. An unknown merchant code or a bad signature answers 401 before anything is read.
"""

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import services
from orders.api.base import MONEY
from orders.models import PaymentGateway
from orders.services.payments import SIGNATURE_HEADER
from sellercenter.api.authentication import CallerUser
from sellercenter.api.transactions import api_write

SCHEME = "HMAC-SHA256"


class GatewayUser(CallerUser):
    """`request.user` for a signed notification: the gateway account, not a person."""

    def __init__(self, gateway: PaymentGateway):
        self.gateway = gateway

    def __str__(self) -> str:
        return str(self.gateway)


class GatewaySignatureAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        body = request.body
        try:
            merchant_code = str(json.loads(body).get("merchant_code", ""))
        except (ValueError, AttributeError):
            merchant_code = ""
        gateway = services.payment_gateway_for_signature(
            merchant_code=merchant_code, body=body, signature=request.headers.get(SIGNATURE_HEADER, "")
        )
        if gateway is None:
            raise exceptions.AuthenticationFailed(_("Unknown merchant code or bad signature."))
        return GatewayUser(gateway), gateway

    def authenticate_header(self, request) -> str:
        return SCHEME


class SignedByGateway(permissions.BasePermission):
    """Only the payment gateway, by its signature: no API key or staff session may call it."""

    # The README's access table names the endpoints that ShopAccess does not guard by this label.
    access_label = "payment gateway signature"

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, PaymentGateway):
            raise exceptions.NotAuthenticated()
        request.shop = request.auth.shop
        return True


class PaymentNotifyView(APIView):
    """A gateway reports a payment. A successful payment of the order's total confirms the order;
    the same `transaction_id` again answers the first result with `replayed: true` and changes nothing."""

    authentication_classes = [GatewaySignatureAuthentication]
    permission_classes = [SignedByGateway]

    class InputSerializer(serializers.Serializer):
        merchant_code = serializers.CharField(max_length=64)
        order_number = serializers.CharField(max_length=20)
        transaction_id = serializers.CharField(max_length=100)
        amount = serializers.DecimalField(min_value=0, **MONEY)
        status = serializers.ChoiceField(choices=[("success", _("Success")), ("failed", _("Failed"))])
        paid_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "PaymentNotification"

    class OutputSerializer(serializers.Serializer):
        order_number = serializers.CharField(source="order.number")
        transaction_id = serializers.CharField()
        outcome = serializers.CharField()
        replayed = serializers.BooleanField()

        class Meta:
            ref_name = "PaymentNotificationResult"

    @extend_schema(
        request=InputSerializer,
        responses=OutputSerializer,
        operation_id="payments_notify",
        auth=[],
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True)],
    )
    @api_write
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payment, replayed = services.payment_notification_handle(
            gateway=request.auth,
            notification=services.Notification(
                order_number=values["order_number"],
                transaction_id=values["transaction_id"],
                amount=values["amount"],
                succeeded=values["status"] == "success",
                paid_at=values["paid_at"],
                payload=json.loads(request.body),
            ),
        )
        payment.replayed = replayed
        return Response(self.OutputSerializer(payment).data)
