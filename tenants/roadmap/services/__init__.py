"""Writes of the roadmap area (inside the current cluster schema).

Cluster admins and staff manage roadmaps; every write checks that (core.accounts.access.
require_manager), validates with Russian messages, runs in one transaction and leaves an audit
row in it. The modules follow the area's parts:

- executors: who a name in the «Ответственные исполнители» column is;
- imports: upload -> preview -> confirm of a six-column table;
- roadmaps: create, edit, delete, approve, close, new version;
- items: an item's progress, plan and evidence;
- reports: report files made in the background.
"""

from .executors import ExecutorIndex, person_key
from .imports import (
    MAX_IMPORT_BYTES,
    roadmap_import_confirm,
    roadmap_import_file,
    roadmap_import_preview,
    status_from_result,
)
from .items import (
    MAX_EVIDENCE_BYTES,
    PLAN_FIELDS,
    PROGRESS_FIELDS,
    evidence_add,
    evidence_delete,
    item_update,
)
from .reports import report_in_background, report_job_run, report_job_start
from .roadmaps import (
    approval_decisions,
    roadmap_approve,
    roadmap_close,
    roadmap_create,
    roadmap_delete,
    roadmap_new_version,
    roadmap_update,
)

__all__ = [
    "MAX_EVIDENCE_BYTES",
    "MAX_IMPORT_BYTES",
    "PLAN_FIELDS",
    "PROGRESS_FIELDS",
    "ExecutorIndex",
    "approval_decisions",
    "evidence_add",
    "evidence_delete",
    "item_update",
    "person_key",
    "report_in_background",
    "report_job_run",
    "report_job_start",
    "roadmap_approve",
    "roadmap_close",
    "roadmap_create",
    "roadmap_delete",
    "roadmap_import_confirm",
    "roadmap_import_file",
    "roadmap_import_preview",
    "roadmap_new_version",
    "roadmap_update",
    "status_from_result",
]
