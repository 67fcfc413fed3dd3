"""Customer profiles: list, upsert, read, update; addresses; consent; timeline; personal data."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, services
from customers.api.customer_rows import customer_rows, customers_output
from customers.api.serializers import (
    AddressSerializer,
    ConsentRecordSerializer,
    CustomerDetailSerializer,
    CustomerSerializer,
    EventSerializer,
)
from customers.models import (
    AcquisitionChannel,
    Address,
    Customer,
    CustomerEvent,
    CustomerTag,
    Gender,
    JourneyStage,
    MarketingChannel,
    Segment,
)
from customers.phones import phone_to_e164
from sellercenter.actor import actor_from_request
from sellercenter.api.base import BACK_OFFICE_ONLY, STOREFRONT_AND_BACK_OFFICE
from sellercenter.api.fields import BoundedDictField
from sellercenter.api.filters import FilterSet
from sellercenter.api.idempotency import idempotent
from sellercenter.api.pagination import CursorPagination
from sellercenter.api.rows import ListFromRowsMixin, row_shape
from sellercenter.api.transactions import api_write
from sellercenter.errors import InvalidInput


def _customer_of_shop(request, pk: int) -> Customer:
    customers = Customer.objects.filter(shop=request.shop).prefetch_related(
        Prefetch("tags", queryset=CustomerTag.objects.order_by("name")), "addresses"
    )
    return get_object_or_404(customers, pk=pk)


def _detail(customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
    context = {"consents": selectors.customer_consents(customer=customer)}
    return Response(CustomerDetailSerializer(customer, context=context).data, status=status_code)


def _who(request) -> dict:
    """The staff member or API key behind a request, as the personal-data services record them."""
    actor = actor_from_request(request)
    return {"requested_by": actor.user, "api_key": actor.api_key}


# A staff note is a few sentences and a customer a handful of tags; without a bound one request could
# store megabytes of text or write thousands of tag rows.
MAX_NOTE_LENGTH = 2000
MAX_TAGS = 50


class ProfileInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Any form; stored in E.164."
    )
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    acquisition_channel = serializers.ChoiceField(choices=AcquisitionChannel.choices, required=False, allow_blank=True)
    acquisition_source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    utm_source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    utm_medium = serializers.CharField(max_length=100, required=False, allow_blank=True)
    utm_campaign = serializers.CharField(max_length=100, required=False, allow_blank=True)
    referred_by = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="External id of the customer who referred them."
    )
    note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=MAX_TAGS)

    class Meta:
        ref_name = "CustomerProfileInput"

    def to_service_fields(self, shop) -> dict:
        fields = dict(self.validated_data)
        referrer = fields.pop("referred_by", None)
        if referrer:
            fields["referred_by"] = Customer.objects.filter(shop=shop, external_id=referrer).first()
            if fields["referred_by"] is None:
                raise InvalidInput(fields={"referred_by": [_("No customer of the shop has this external id.")]})
        elif referrer == "":
            fields["referred_by"] = None
        return fields


class CustomerFilter(FilterSet):
    journey_stage = django_filters.ChoiceFilter(choices=JourneyStage.choices)
    acquisition_channel = django_filters.ChoiceFilter(choices=AcquisitionChannel.choices)
    external_id = django_filters.CharFilter()
    email = django_filters.CharFilter(method="filter_email")
    phone = django_filters.CharFilter(method="filter_phone", help_text="Any form, e.g. 0912 345 678.")
    tag = django_filters.CharFilter(method="filter_tag")
    q = django_filters.CharFilter(
        method="filter_search", help_text="Name (accents aside), e-mail or phone (typed any way)."
    )
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    segment = django_filters.NumberFilter(method="filter_segment", help_text="Members of this segment.")

    class Meta:
        model = Customer
        fields = []

    def filter_email(self, queryset, name, value):
        return queryset.filter(email=value.strip().lower())

    def filter_phone(self, queryset, name, value):
        try:
            return queryset.filter(phone=phone_to_e164(value))
        except ValidationError:
            return queryset.none()  # a number that cannot exist matches nobody

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip().lower())

    def filter_search(self, queryset, name, value):
        return selectors.customer_search(queryset, value)

    def filter_segment(self, queryset, name, value):
        segment = Segment.objects.filter(shop=self.request.shop, pk=value).select_related("shop").first()
        if segment is None:
            raise serializers.ValidationError({"segment": [_("The shop has no segment with this id.")]})
        return queryset.filter(pk__in=selectors.segment_customers(segment=segment).values("pk"))


class CustomerListView(generics.ListAPIView):
    """GET: the shop's customers (cursor pages, newest first) with filters.
    POST: create or update a customer by its storefront id (`external_id`); 201 when created."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "customers.view_customer", "POST": "customers.add_customer"}
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    queryset = Customer.objects.none()  # the schema's model; get_queryset gives the shop's rows

    class InputSerializer(ProfileInputSerializer):
        external_id = serializers.CharField(max_length=100, help_text="The storefront's id for the customer.")

        class Meta:
            ref_name = "CustomerUpsertInput"

    def get_queryset(self):
        return selectors.customer_list(shop=self.request.shop)

    @extend_schema(operation_id="customers_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        # CustomerSerializer's JSON from the rows of one query (and one for the tags), none per row.
        page = self.paginate_queryset(customer_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(customers_output(page))

    @extend_schema(
        request=InputSerializer,
        responses={201: CustomerDetailSerializer, 200: CustomerDetailSerializer},
        operation_id="customers_upsert",
    )
    @idempotent
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.to_service_fields(request.shop)
        external_id = fields.pop("external_id")
        customer, created = services.customer_create_or_update(shop=request.shop, external_id=external_id, **fields)
        return _detail(
            _customer_of_shop(request, customer.pk), status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class CustomerDetailView(APIView):
    """GET: a customer with addresses and consent. PATCH: change profile fields (blank clears,
    `tags` replaces)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "customers.view_customer", "PATCH": "customers.change_customer"}

    @extend_schema(responses=CustomerDetailSerializer, operation_id="customers_retrieve")
    def get(self, request, pk: int):
        return _detail(_customer_of_shop(request, pk))

    @extend_schema(request=ProfileInputSerializer, responses=CustomerDetailSerializer, operation_id="customers_update")
    @api_write
    def patch(self, request, pk: int):
        customer = _customer_of_shop(request, pk)
        data = ProfileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.customer_update(customer=customer, **data.to_service_fields(request.shop))
        return _detail(_customer_of_shop(request, pk))


class AddressInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=50, required=False, allow_blank=True)
    recipient_name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)
    street = serializers.CharField(max_length=255)
    ward = serializers.CharField(max_length=100)
    district = serializers.CharField(max_length=100, required=False, allow_blank=True)
    province = serializers.CharField(max_length=100)
    is_default = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "CustomerAddressInput"


class AddressListView(APIView):
    """GET: the customer's addresses, default first. POST: add one (the first becomes the default)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "customers.view_address", "POST": "customers.add_address"}
    # Worked out when the class is defined: a field it cannot render from a row refuses the import.
    address_rows = row_shape(AddressSerializer)

    @extend_schema(responses=AddressSerializer(many=True), operation_id="customer_addresses_list")
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        # The serializer's JSON from the rows of one query, no serializer per address.
        return Response(self.address_rows.output(self.address_rows.rows(customer.addresses.all())))

    @extend_schema(
        request=AddressInputSerializer, responses={201: AddressSerializer}, operation_id="customer_addresses_create"
    )
    @idempotent
    def post(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        data = AddressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = services.address_create(customer=customer, **data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(APIView):
    """PATCH: change an address (`is_default: true` makes it the default). DELETE: remove it."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"PATCH": "customers.change_address", "DELETE": "customers.delete_address"}

    def _address(self, request, pk: int, address_pk: int) -> Address:
        return get_object_or_404(Address.objects.filter(shop=request.shop, customer_id=pk), pk=address_pk)

    @extend_schema(
        request=AddressInputSerializer(partial=True),
        responses=AddressSerializer,
        operation_id="customer_addresses_update",
    )
    @api_write
    def patch(self, request, pk: int, address_pk: int):
        address = self._address(request, pk, address_pk)
        data = AddressInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(AddressSerializer(services.address_update(address=address, **data.validated_data)).data)

    @extend_schema(responses={204: None}, operation_id="customer_addresses_delete")
    @api_write
    def delete(self, request, pk: int, address_pk: int):
        services.address_delete(address=self._address(request, pk, address_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConsentView(APIView):
    """GET: consent in force per channel, and the full history. POST: record a grant or withdrawal
    (a grant needs the wording version the customer agreed to)."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = {"GET": "customers.view_consentrecord", "POST": "customers.add_consentrecord"}

    class InputSerializer(serializers.Serializer):
        channel = serializers.ChoiceField(choices=MarketingChannel.choices)
        granted = serializers.BooleanField()
        source = serializers.CharField(max_length=100, help_text="E.g. checkout_form, signup, hotline.")
        wording_version = serializers.CharField(max_length=50, required=False, allow_blank=True)
        recorded_at = serializers.DateTimeField(required=False, help_text="When the customer said so (default now).")
        evidence = BoundedDictField(required=False, max_items=20, max_bytes=4096, help_text="E.g. ip, user_agent, url.")

        class Meta:
            ref_name = "CustomerConsentInput"

    class OutputSerializer(serializers.Serializer):
        channels = serializers.DictField(child=ConsentRecordSerializer(allow_null=True))
        history = ConsentRecordSerializer(many=True)

        class Meta:
            ref_name = "CustomerConsentState"

    @extend_schema(responses=OutputSerializer, operation_id="customer_consents_retrieve")
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        state = selectors.customer_consents(customer=customer)
        return Response(
            {
                "channels": {c: ConsentRecordSerializer(r).data if r else None for c, r in state.items()},
                "history": ConsentRecordSerializer(customer.consent_records.all(), many=True).data,
            }
        )

    @extend_schema(
        request=InputSerializer, responses={201: ConsentRecordSerializer}, operation_id="customer_consents_record"
    )
    @idempotent
    def post(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.consent_record(
            customer=customer, recorded_by=_who(request)["requested_by"], **data.validated_data
        )
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class TimelinePagination(CursorPagination):
    ordering = ("-occurred_at", "-pk")


class CustomerEventsView(ListFromRowsMixin, generics.ListAPIView):
    """The customer's behaviour events, newest first (cursor pages), the page built from query rows."""

    required_scopes = STOREFRONT_AND_BACK_OFFICE
    required_permissions = "customers.view_customerevent"
    serializer_class = EventSerializer
    pagination_class = TimelinePagination
    queryset = CustomerEvent.objects.none()  # the schema's model; get_queryset gives the customer's rows

    def get_queryset(self):
        customer = get_object_or_404(Customer.objects.filter(shop=self.request.shop), pk=self.kwargs["pk"])
        return CustomerEvent.objects.filter(customer=customer)

    @extend_schema(operation_id="customer_events_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CustomerExportView(APIView):
    """Everything the shop holds about the customer, as JSON (a data-access request). Back office
    only; every export is recorded."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "customers.export_customer"

    @extend_schema(responses=dict, operation_id="customers_export")
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        return Response(services.customer_export(customer=customer, **_who(request)))


class CustomerEraseView(APIView):
    """Erase the customer's personal data at their request (purchases and consent proof are kept).
    Back office only; cannot be undone; recorded."""

    required_scopes = BACK_OFFICE_ONLY
    required_permissions = "customers.erase_customer"

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "CustomerEraseInput"

    class OutputSerializer(serializers.Serializer):
        customer = serializers.IntegerField()
        erased_at = serializers.DateTimeField()

        class Meta:
            ref_name = "CustomerEraseResult"

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="customers_erase")
    @idempotent
    def post(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.filter(shop=request.shop), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        audit = services.customer_erase(
            customer=customer, reason=data.validated_data.get("reason", ""), **_who(request)
        )
        return Response({"customer": customer.pk, "erased_at": audit.customer.erased_at})
