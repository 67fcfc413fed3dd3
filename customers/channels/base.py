"""What every channel takes and answers."""

from dataclasses import dataclass, field
from typing import Protocol

from customers.models import Customer


@dataclass(frozen=True)
class Outgoing:
    """One message, ready to go. `key` identifies it to the far side, so a resend can be recognised
    (the e-mail's Message-ID, the push Topic, the webhook's Idempotency-Key)."""

    customer: Customer
    key: str
    subject: str
    text: str
    html: str = ""
    url: str = ""
    unsubscribe_url: str = ""
    image: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """What the channel's far side said: accepted or not, and its answers for the record."""

    delivered: bool
    answers: list[dict] = field(default_factory=list)


class MessageChannel(Protocol):
    name: str

    def reachable(self, customer: Customer) -> bool:
        """Does the customer have an address on this channel (an e-mail, a push subscription, a phone)?"""

    def reachable_among(self, customers: list[Customer]) -> set[int]:
        """The ids of those of `customers` that are reachable, in at most one query for them all."""

    def send(self, outgoing: Outgoing) -> Delivery:
        """Hand the message over; never raises for a refusal of the far side, answers it instead."""
