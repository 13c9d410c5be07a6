"""/api/v1/bodies/, officers/, committees/, meetings/: the cluster's governance.

Any cluster role reads (a representative sees committee documents only of the committees it
sits on); cluster admins and staff write. Times are in the cluster's time zone (tenants.middleware.ClusterTimezoneMiddleware).
"""

from .bodies import BodyViewSet, OfficerViewSet
from .committees import CommitteeViewSet
from .meetings import MeetingViewSet

__all__ = ["BodyViewSet", "CommitteeViewSet", "MeetingViewSet", "OfficerViewSet"]
