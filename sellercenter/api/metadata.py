"""What `OPTIONS` answers on every endpoint: the view's name, description, and what it parses/renders.

DRF's default also describes the POST/PUT body by instantiating the view's serializer, which views in
the house style (nested Input/Output serializers, no `serializer_class`) do not have: that crashed.
The OpenAPI document at /api/schema/ is where bodies are described."""

from rest_framework.metadata import SimpleMetadata


class ApiMetadata(SimpleMetadata):
    def determine_actions(self, request, view):
        return {}
