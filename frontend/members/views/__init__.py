"""Pages of the members area: the member list, a company's card and lifecycle, representatives
and their invitations, products, yearly figures, cooperation contracts, import and export.

Cluster admins and staff see every company; a member representative sees only its own company
(«Моя организация») and changes its profile, products and figures. One module per section;
the URLconf imports the views from here.
"""

from .company import member_create, member_detail, member_edit, member_lifecycle
from .contracts import contract_create, contract_delete, contracts
from .figures import kpi_action, kpi_create, kpi_detail, kpis
from .listing import member_list, mine
from .products import product_create, product_delete, product_edit, products
from .representatives import (
    invitation_accept,
    invitation_revoke,
    representative_invite,
    representative_revoke,
)
from .transfer import import_job, import_page, import_status, member_export

__all__ = [
    "contract_create",
    "contract_delete",
    "contracts",
    "import_job",
    "import_page",
    "import_status",
    "invitation_accept",
    "invitation_revoke",
    "kpi_action",
    "kpi_create",
    "kpi_detail",
    "kpis",
    "member_create",
    "member_detail",
    "member_edit",
    "member_export",
    "member_lifecycle",
    "member_list",
    "mine",
    "product_create",
    "product_delete",
    "product_edit",
    "products",
    "representative_invite",
    "representative_revoke",
]
