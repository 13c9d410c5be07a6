"""The base of the governance view sets: list, read, delete through the service."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ClusterViewSet


class GovernanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClusterViewSet):
    def destroy(self, request: Request, pk: str) -> Response:
        self.delete_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete_object(self, obj: Any) -> None:
        raise NotImplementedError
