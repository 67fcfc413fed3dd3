"""Finance API: statements, their lines as streamed CSV, and the overview. Back office only.

API keys need the back_office scope; logged-in staff need finance's view permission in the
shop (owners and accountants)."""
