"""Promotions API: quotes, voucher checks and offers for storefronts; campaigns for staff tools.

Dates are read and written in the shop's time zone (an offset-less date is the shop's local time;
answers carry the shop's offset). Storefront keys see published campaigns that are running or
scheduled, without budget figures; back-office keys and staff see and change everything.
"""
