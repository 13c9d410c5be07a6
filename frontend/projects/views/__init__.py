"""Pages of the joint projects area: the list, a project's card, its forms (project with
participants and links, budget, target indicators, support applications, tranches, documents).

Cluster admins and staff see and keep every project; a member representative sees the projects
its company takes part in (others: 404) and, where its company is the lead participant, enters
the target indicators. One module per section; the URLconf imports the views from here.
"""

from .documents import document_delete, document_download, document_upload
from .indicators import indicator_action, indicator_create, indicator_edit
from .listing import project_list_page
from .project import budget_edit, project_create, project_delete, project_detail, project_edit, project_status
from .support import support_create, support_decide, support_delete, tranche_create, tranche_delete

__all__ = [
    "budget_edit",
    "document_delete",
    "document_download",
    "document_upload",
    "indicator_action",
    "indicator_create",
    "indicator_edit",
    "project_create",
    "project_delete",
    "project_detail",
    "project_edit",
    "project_list_page",
    "project_status",
    "support_create",
    "support_decide",
    "support_delete",
    "tranche_create",
    "tranche_delete",
]
