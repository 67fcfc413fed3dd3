"""Shipping with carriers: the adapters behind one interface, credentials, administrative units,
labels and the carriers' status tables. The writes live in orders.services.shipments."""
