"""Customers API: behaviour events, identify, customer profiles (addresses, consent, personal data),
segments and metrics. Every view works in `request.shop`: another shop's customer is a 404."""
