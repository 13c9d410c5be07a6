"""API of the cluster card (GET /api/v1/cluster/ on a cluster host). The ministry's list of
clusters extends its serializer (api federal)."""

from .serializers import ClusterCardSerializer

__all__ = ["ClusterCardSerializer"]
