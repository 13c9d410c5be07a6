"""Pages of the governance area: bodies, officers, committees, meetings and their protocols.

Any cluster role reads; cluster admins and staff change (the services check it too). One
module per section; `records` holds the one create / edit / delete pattern they share.
"""

from .bodies import BODIES, OFFICERS, bodies, officers
from .committees import (
    COMMITTEES,
    committee,
    committee_document,
    committee_document_delete,
    committee_document_upload,
    committee_member_add,
    committee_member_remove,
    committees,
)
from .meetings import (
    MEETINGS,
    meeting,
    meeting_agenda_add,
    meeting_agenda_delete,
    meeting_attendance,
    meeting_decision_add,
    meeting_protocol,
    meetings,
)
from .records import Record, record_create, record_delete, record_edit
from .voting import (
    ballot,
    ballot_pdf,
    ballot_scan,
    meeting_close_voting,
    meeting_paper_ballot,
    meeting_publish,
    meeting_register,
    meeting_tally_json,
    proxies,
    proxy_approve,
    proxy_file,
    proxy_reject,
    proxy_upload,
    voting,
)

__all__ = [
    "BODIES",
    "COMMITTEES",
    "MEETINGS",
    "OFFICERS",
    "Record",
    "bodies",
    "committee",
    "committee_document",
    "committee_document_delete",
    "committee_document_upload",
    "committee_member_add",
    "committee_member_remove",
    "committees",
    "meeting",
    "meeting_agenda_add",
    "meeting_agenda_delete",
    "meeting_attendance",
    "meeting_decision_add",
    "meeting_protocol",
    "meetings",
    "officers",
    "record_create",
    "record_delete",
    "record_edit",
    "ballot",
    "ballot_pdf",
    "ballot_scan",
    "meeting_close_voting",
    "meeting_paper_ballot",
    "meeting_publish",
    "meeting_register",
    "meeting_tally_json",
    "proxies",
    "proxy_approve",
    "proxy_file",
    "proxy_reject",
    "proxy_upload",
    "voting",
]
