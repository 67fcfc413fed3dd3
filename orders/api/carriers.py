"""Carriers' tracking webhooks: `POST /api/v1/carriers/webhooks/<key>`.

Carriers hold no API key. The URL registered with the carrier names the shop's account by its secret
`key`; each adapter then checks the request as its carrier authenticates (GHN: the account's ShopID;
GHTK: the `hash` parameter agreed with it). The update is stored as received and the answer goes
out at once; the order moves in a task after the commit, well within the carriers' time limits.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders import services
from orders.models import CarrierAccount
from orders.shipping.carriers import adapter_for
from orders.shipping.carriers.base import WebhookRejected, WebhookUnreadable
from sellercenter.api.authentication import CallerUser
from sellercenter.api.transactions import api_write

MAX_BODY = 64 * 1024


class CarrierUser(CallerUser):
    """`request.user` for a carrier's webhook: the shop's carrier account, not a person."""

    def __init__(self, account: CarrierAccount):
        self.account = account

    def __str__(self) -> str:
        return str(self.account)


class CarrierWebhookAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = request.parser_context["kwargs"].get("key", "")
        account = CarrierAccount.objects.select_related("shop").filter(webhook_key=key, is_active=True).first()
        if account is None:
            raise exceptions.AuthenticationFailed(_("Unknown webhook address."))
        if len(request.body) > MAX_BODY:
            raise exceptions.ParseError(_("The update is too large."))
        try:
            updates = adapter_for(account).webhook_updates(body=request.body, query=request.query_params.dict())
        except WebhookUnreadable as error:
            raise exceptions.ParseError(
                _("The update is not in the carrier's format: %(error)s") % {"error": error}
            ) from None
        except WebhookRejected:
            raise exceptions.AuthenticationFailed(_("The update does not authenticate as this carrier.")) from None
        request.carrier_updates = updates
        return CarrierUser(account), account

    def authenticate_header(self, request) -> str:
        return "Webhook-Key"


class SentByCarrier(permissions.BasePermission):
    """Only the carrier, by its webhook key and signature: no API key or staff session may call it."""

    # The README's access table names the endpoints that ShopAccess does not guard by this label.
    access_label = "carrier webhook signature"

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, CarrierAccount):
            raise exceptions.NotAuthenticated()
        request.shop = request.auth.shop
        return True


class CarrierWebhookView(APIView):
    """A carrier reports where a parcel is. The same update again is recognised (`replayed`) and
    changes nothing; updates for parcels this shop did not book are kept, and move nothing."""

    authentication_classes = [CarrierWebhookAuthentication]
    permission_classes = [SentByCarrier]

    class OutputSerializer(serializers.Serializer):
        success = serializers.BooleanField()
        received = serializers.IntegerField()
        replayed = serializers.IntegerField()

        class Meta:
            ref_name = "CarrierWebhookResult"

    @extend_schema(request=None, responses=OutputSerializer, operation_id="carriers_webhook", auth=[])
    @api_write
    def post(self, request, key):
        received = replayed = 0
        for update in request.carrier_updates:
            _event, created = services.tracking_update_receive(account=request.auth, update=update)
            received, replayed = received + created, replayed + (not created)
        return Response(self.OutputSerializer({"success": True, "received": received, "replayed": replayed}).data)
