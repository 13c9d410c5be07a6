"""Writes of the members area (inside the current cluster schema).

Every function checks who acts (cluster admins and staff manage everything; a member
representative only its own company's profile, products and KPIs), checks its invariants,
saves inside one transaction and writes the audit row in that same transaction. Russian
ValidationError messages reach the user as they are; PermissionDenied becomes a 403.

One module per section; import from here (`from tenants.members import services`).
"""

from core.accounts.access import MANAGERS_ONLY

from .checks import NOT_YOURS, field_label, require_company
from .companies import (
    COMPANY_FIELDS,
    PROFILE_FIELDS,
    company_check,
    company_create,
    company_normalize,
    company_update,
)
from .contracts import CONTRACT_FIELDS, contract_create, contract_delete, contract_update
from .kpis import (
    FIRST_KPI_YEAR,
    KPI_FIGURES,
    kpi_accept,
    kpi_create,
    kpi_delete,
    kpi_return,
    kpi_submit,
    kpi_update,
)
from .lifecycle import (
    LIFECYCLE_SERVICES,
    TRANSITIONS,
    lifecycle_actions,
    member_activate,
    member_admit,
    member_apply,
    member_expel,
    member_resume,
    member_suspend,
    member_withdraw,
)
from .products import PRODUCT_FIELDS, product_create, product_delete, product_update
from .representatives import (
    INVITATION_DAYS,
    invitation_accept,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    representative_revoke,
)

__all__ = [
    "COMPANY_FIELDS",
    "CONTRACT_FIELDS",
    "FIRST_KPI_YEAR",
    "INVITATION_DAYS",
    "KPI_FIGURES",
    "LIFECYCLE_SERVICES",
    "MANAGERS_ONLY",
    "NOT_YOURS",
    "PRODUCT_FIELDS",
    "PROFILE_FIELDS",
    "TRANSITIONS",
    "company_check",
    "company_create",
    "company_normalize",
    "company_update",
    "contract_create",
    "contract_delete",
    "contract_update",
    "field_label",
    "invitation_accept",
    "invitation_create",
    "invitation_problem",
    "invitation_revoke",
    "kpi_accept",
    "kpi_create",
    "kpi_delete",
    "kpi_return",
    "kpi_submit",
    "kpi_update",
    "lifecycle_actions",
    "member_activate",
    "member_admit",
    "member_apply",
    "member_expel",
    "member_resume",
    "member_suspend",
    "member_withdraw",
    "product_create",
    "product_delete",
    "product_update",
    "require_company",
    "representative_revoke",
]
