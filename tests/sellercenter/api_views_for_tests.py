"""Endpoints that exist only in tests, to exercise the kernel's API machinery with real writes."""

import threading

from django.core.exceptions import ValidationError
from django.urls import include, path
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from sellercenter import errors, services
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE, ShopScopedMixin
from sellercenter.api.idempotency import idempotent
from sellercenter.models import ApiKey, ApiScope

# Set by a test to hold a request inside its transaction (concurrency tests).
hold_requests = threading.Event()
request_entered = threading.Event()


class IssueKeyView(APIView):
    """Issues an API key: a real write, so idempotency can be checked by counting rows."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "sellercenter.add_apikey"

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        wait = serializers.BooleanField(default=False)

    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, _secret = services.api_key_create(
            shop=request.shop, name=data.validated_data["name"], scopes=[ApiScope.STOREFRONT]
        )
        if data.validated_data["wait"]:
            request_entered.set()
            hold_requests.wait(timeout=30)
        return Response({"id": api_key.pk, "name": api_key.name}, status=status.HTTP_201_CREATED)


class BackOfficeView(APIView):
    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "sellercenter.view_shop"

    def get(self, request):
        return Response({"shop": request.shop.slug})


class RaiseView(APIView):
    """Raises the domain error named in the URL, to check each one's status and shape."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "sellercenter.view_shop"
    ERRORS = {
        "invalid": errors.InvalidInput(fields={"sku": ["Unknown SKU."]}),
        "not_found": errors.NotFound(),
        "not_allowed": errors.NotAllowed(),
        "conflict": errors.Conflict("Out of stock: ABC-1", code="out_of_stock", sku="ABC-1"),
        "permission_denied": errors.PermissionDenied(),
        "model_validation": ValidationError({"slug": ["Đường dẫn đã được dùng."]}),
        "unexpected": RuntimeError("a bug"),
    }

    def get(self, request, kind):
        raise self.ERRORS[kind]


class KeyDetailView(ShopScopedMixin, generics.RetrieveAPIView):
    """A shop-scoped detail view: another shop's row must be a 404."""

    queryset = ApiKey.objects.all()
    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "sellercenter.view_shop"

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = ApiKey
            fields = ["id", "name"]

    serializer_class = OutputSerializer


class UndeclaredView(APIView):
    """Declares scopes but forgets the permission of its write: nobody may call that."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "sellercenter.view_shop"}

    def get(self, request):
        return Response({"read": True})

    def post(self, request):
        return Response({"written": True}, status=status.HTTP_201_CREATED)


api_patterns = [
    path("undeclared", UndeclaredView.as_view()),
    path("keys/<int:pk>", KeyDetailView.as_view()),
    path("keys", IssueKeyView.as_view()),
    path("back-office", BackOfficeView.as_view()),
    path("raise/<str:kind>", RaiseView.as_view()),
]

urlpatterns = [
    path("api/test/", include(api_patterns)),
    path("", include("sellercenter.urls")),
]
