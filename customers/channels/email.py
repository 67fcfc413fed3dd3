"""Marketing e-mail through Django's mail backend (SMTP in production), with a text part and
one-click unsubscribe (RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post)."""

import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from customers.channels.base import Delivery, Outgoing
from customers.models import Customer, MarketingChannel


class EmailChannel:
    name = MarketingChannel.EMAIL

    def reachable(self, customer: Customer) -> bool:
        return bool(customer.email)

    def reachable_among(self, customers: list[Customer]) -> set[int]:
        return {customer.pk for customer in customers if self.reachable(customer)}

    def build(self, outgoing: Outgoing) -> EmailMultiAlternatives:
        headers = {"Message-ID": f"<{outgoing.key}@{urlsplit(settings.PUBLIC_BASE_URL).hostname or 'localhost'}>"}
        if outgoing.unsubscribe_url:
            # Mail clients show an "Unsubscribe" button and POST here without opening a page (RFC 8058).
            headers["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            subject=outgoing.subject,
            body=outgoing.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[outgoing.customer.email],
            headers=headers,
        )
        if outgoing.html:
            message.attach_alternative(outgoing.html, "text/html")
        return message

    def send(self, outgoing: Outgoing) -> Delivery:
        try:
            sent = self.build(outgoing).send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as error:
            return Delivery(delivered=False, answers=[{"error": f"{type(error).__name__}: {error}"[:500]}])
        return Delivery(delivered=bool(sent), answers=[{"smtp": "accepted" if sent else "not sent"}])
