"""Loyalty API: member cards, the ledger, redemption quotes, enrolment and manual adjustments.

Members are named by the customer's external id (the storefront's id). Storefront keys read cards,
the ledger and quotes and enrol customers; adjusting points is back-office only.
"""
