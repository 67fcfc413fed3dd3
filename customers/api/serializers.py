"""Output shapes shared by several customers endpoints."""

from rest_framework import serializers

from customers.models import PROFILE_FIELDS, Address, ConsentRecord, Customer, CustomerEvent, MarketingChannel


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "label", "recipient_name", "phone", "street", "ward", "district", "province", "is_default"]
        ref_name = "CustomerAddress"


class ConsentRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        fields = ["id", "channel", "granted", "recorded_at", "source", "wording_version", "evidence", "created_at"]
        ref_name = "CustomerConsentRecord"


class CustomerSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    has_duplicates = serializers.BooleanField(
        read_only=True, default=False, help_text="Another profile of the shop has the same e-mail or phone."
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            *PROFILE_FIELDS,
            "tags",
            "orders_count",
            "discounted_orders_count",
            "total_spent",
            "first_order_at",
            "last_order_at",
            "journey_stage",
            "last_seen_at",
            "has_duplicates",
            "merged_into",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        ref_name = "Customer"

    def get_tags(self, customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class CustomerDetailSerializer(CustomerSerializer):
    addresses = AddressSerializer(many=True, read_only=True)
    consents = serializers.SerializerMethodField(help_text="Per channel, the consent record in force (or null).")

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "addresses", "consents"]
        ref_name = "CustomerDetail"

    def get_consents(self, customer) -> dict:
        state = self.context["consents"]
        return {
            channel: ConsentRecordSerializer(state[channel]).data if state[channel] else None
            for channel in MarketingChannel.values
        }


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerEvent
        fields = [
            "event_id",
            "type",
            "channel",
            "session_id",
            "anonymous_id",
            "properties",
            "occurred_at",
            "received_at",
        ]
        ref_name = "CustomerEvent"
