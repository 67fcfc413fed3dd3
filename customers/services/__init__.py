"""Every write of the customers app. The functions live in the modules of this package by subject;
they are all importable from `customers.services`."""

from customers.services.consent import consent_check, consent_record
from customers.services.events import (
    MAX_BATCH,
    Outcome,
    customer_identify,
    events_ingest,
    events_kept_since,
    events_retention_apply,
)
from customers.services.journey import customers_last_seen_refresh, journey_stages_refresh
from customers.services.profiles import (
    address_create,
    address_delete,
    address_update,
    customer_check_current,
    customer_create,
    customer_create_or_update,
    customer_external_id_ensure,
    customer_tags_add,
    customer_tags_set,
    customer_update,
    customer_upsert,
)
from customers.services.purchases import (
    customer_amend_purchase,
    customer_record_purchase,
    customer_reverse_purchase,
    purchase_facts_rebuild,
)
from customers.services.push import push_subscription_register, push_subscription_remove
from customers.services.reviews import delivered_lines_record, review_post, review_reply
from customers.services.rights import (
    customer_erase,
    customer_export,
    customer_merge,
    customer_merge_duplicates,
    personal_data_request_open,
)
from customers.services.segments import segment_create, segment_update, segments_create_builtin

__all__ = [
    "MAX_BATCH",
    "Outcome",
    "address_create",
    "address_delete",
    "address_update",
    "consent_check",
    "consent_record",
    "customer_amend_purchase",
    "customer_check_current",
    "customer_create",
    "customer_create_or_update",
    "customer_erase",
    "customer_export",
    "customer_external_id_ensure",
    "customer_identify",
    "customer_merge",
    "customer_merge_duplicates",
    "customer_record_purchase",
    "customer_reverse_purchase",
    "customer_tags_add",
    "customer_tags_set",
    "customer_update",
    "customer_upsert",
    "customers_last_seen_refresh",
    "delivered_lines_record",
    "events_ingest",
    "events_kept_since",
    "events_retention_apply",
    "journey_stages_refresh",
    "personal_data_request_open",
    "purchase_facts_rebuild",
    "push_subscription_register",
    "push_subscription_remove",
    "review_post",
    "review_reply",
    "segment_create",
    "segment_update",
    "segments_create_builtin",
]
