"""Isolation by construction (issue 15, «Also build 1»): every URL pattern of both URLconfs,
enumerated from the resolvers, is requested by everyone who must NOT get through, and must be
refused (401 / 403 / 404 / 405, or a redirect to the login page) — before any validation.

Every route is classified in ROUTES below: PUBLIC (with the reason) or PROTECTED (with the
roles that may pass). A route nobody classified fails `test_every_route_is_classified`.

Path parameters are filled with ids of real rows of cluster alpha (`world`: one of each:
company, product, KPI report, contract, body, officer, committee, meeting, news, event, roadmap,
fee schedule, invoice, payment, project …). On alpha's host the sweep comes as:

- anonymous;
- an account with no role anywhere (its token, and a session made on the platform host);
- beta's cluster admin (a session signed in on beta's host and beta's token, both on alpha's host);
- a member representative of ANOTHER company of alpha (session and token): refused where
  members may not go, and on routes scoped to a company it does not speak for.

On the platform host: anonymous, the no-role account, alpha's admin and alpha's representative
(cluster roles give nothing there). Pages get GET and POST; API routes GET, POST, PUT, PATCH and
DELETE with an empty body — a refusal must come before validation (a 400 is a failure).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User, UserSession, WebAuthnCredential
from tenants.models import Cluster
from tests.conftest import ROLE, ClientResponse, MakeUser, api_client, client_for, signed_in, token_for

pytestmark = pytest.mark.django_db

TENANT, PUBLIC_HOST = "clusterhub.urls_tenant", "clusterhub.urls_public"

# --- the classification ------------------------------------------------------------------------

ADMIN, STAFF, MEMBER, USER = "admin", "staff", "member", "user"  # USER: any signed-in account
MANAGERS = frozenset({ADMIN, STAFF})
ANY_ROLE = frozenset({ADMIN, STAFF, MEMBER})
PLATFORM = frozenset({"platform_admin"})
MINISTRY = frozenset({"ministry", "platform_admin"})
PD_ADMIN = frozenset({ADMIN})  # the personal data area: only cluster admins change it
EXPERT = frozenset({"expert"})  # granted per call; no visitor of the sweep is one


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class Protected:
    roles: frozenset[str]  # may read (GET)
    company_scoped: bool = False  # the path names a company's row: other companies' reps are refused
    write: frozenset[str] | None = None  # may write (POST/PUT/PATCH/DELETE); None: the same as `roles`


Access = Public | Protected

PROBE = Public("operational probe/scrape (answers before routing; /metrics checks its own token/network)")
SCHEMA = Public("OpenAPI schema and its docs page: describe the API, no data")
LANG = Public("language switch (a cookie)")
LOGIN = Public("sign-in / sign-out / password reset: reachable signed out by design")
SITE = Public("the cluster's public site: published content only")
PUBLIC_API = Public("public API of the cluster's site: published content only")
TOKEN = Public("token sign-in: credentials in the body")
TWO_FACTOR = Public("second step of sign-in: only a session whose password step passed gets past it")
INVITE = Public("invitation acceptance: the unguessable token is the credential")
WEBHOOK = Public("payment gateway notification: signature / API re-read is the credential")


def _p(roles: frozenset[str], scoped: bool = False, write: frozenset[str] | None = None) -> Protected:
    return Protected(roles, scoped, write)


def _content(scoped: bool = False) -> Protected:
    """Read by every role of the cluster, written by its managers."""
    return Protected(ANY_ROLE, scoped, MANAGERS)


ROUTES: dict[str, Access] = {
    # --- both hosts
    "tenant ops-healthz": PROBE,
    "tenant ops-readyz": PROBE,
    "tenant ops-metrics": PROBE,
    "public ops-healthz": PROBE,
    "public ops-readyz": PROBE,
    "public ops-metrics": PROBE,
    "tenant schema": SCHEMA,
    "tenant swagger-ui": SCHEMA,
    "public schema": SCHEMA,
    "public swagger-ui": SCHEMA,
    "tenant set_language": LANG,
    "public set_language": LANG,
    "tenant api:token": TOKEN,
    "public api:token": TOKEN,
    "tenant api:me": _p(frozenset({USER})),
    "public api:me": _p(frozenset({USER})),
    # --- cluster host: API
    "tenant api:cluster": _content(),
    "tenant api:member-import-detail": _p(MANAGERS),
    "tenant api:member-list": _content(),
    "tenant api:member-export": _p(MANAGERS),
    "tenant api:member-import-file": _p(MANAGERS),
    "tenant api:member-detail": _content(scoped=True),
    "tenant api:member-activate": _p(MANAGERS),
    "tenant api:member-admit": _p(MANAGERS),
    "tenant api:member-apply": _p(MANAGERS),
    "tenant api:member-expel": _p(MANAGERS),
    "tenant api:member-history": _p(ANY_ROLE, scoped=True),
    "tenant api:member-representative-revoke": _p(MANAGERS),
    "tenant api:member-representatives": _p(ANY_ROLE, scoped=True),
    "tenant api:member-resume": _p(MANAGERS),
    "tenant api:member-suspend": _p(MANAGERS),
    "tenant api:member-withdraw": _p(MANAGERS),
    "tenant api:product-list": _p(ANY_ROLE),
    "tenant api:product-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:kpi-list": _p(ANY_ROLE),
    "tenant api:kpi-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:kpi-accept": _p(MANAGERS),
    "tenant api:kpi-return-to-draft": _p(MANAGERS),
    "tenant api:kpi-submit": _p(ANY_ROLE, scoped=True),
    "tenant api:contract-list": _p(ANY_ROLE),
    "tenant api:contract-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:body-list": _content(),
    "tenant api:body-detail": _content(),
    "tenant api:officer-list": _content(),
    "tenant api:officer-detail": _content(),
    "tenant api:committee-list": _content(),
    "tenant api:committee-detail": _content(),
    "tenant api:committee-add-member": _p(MANAGERS),
    "tenant api:committee-document": _content(),
    "tenant api:committee-remove-member": _p(MANAGERS),
    "tenant api:committee-upload-document": _p(MANAGERS),
    "tenant api:meeting-list": _content(),
    "tenant api:meeting-detail": _content(),
    "tenant api:meeting-add-agenda-item": _p(MANAGERS),
    "tenant api:meeting-protocol": _p(ANY_ROLE),
    "tenant api:meeting-record-attendance": _p(MANAGERS),
    "tenant api:meeting-record-decisions": _p(MANAGERS),
    "tenant api:meeting-remove-agenda-item": _p(MANAGERS),
    "tenant api:news-list": _content(),
    "tenant api:news-detail": _content(),
    "tenant api:event-list": _content(),
    "tenant api:event-detail": _content(),
    "tenant api:event-register": _p(ANY_ROLE),
    "tenant api:event-withdraw": _p(ANY_ROLE, scoped=True),
    "tenant api:article-list": _content(),
    "tenant api:article-detail": _content(),
    "tenant api:job-list": _content(),
    "tenant api:job-detail": _content(),
    "tenant api:site-document-list": _content(),
    "tenant api:site-document-detail": _content(),
    "tenant api:site-document-download": _p(ANY_ROLE),
    "tenant api:public-directory-list": PUBLIC_API,
    "tenant api:public-directory-detail": PUBLIC_API,
    "tenant api:public-product-list": PUBLIC_API,
    "tenant api:public-product-detail": PUBLIC_API,
    "tenant api:public-event-list": PUBLIC_API,
    "tenant api:public-event-detail": PUBLIC_API,
    "tenant api:audit-list": _p(MANAGERS),
    "tenant api:consent-purpose-list": _p(ANY_ROLE, write=PD_ADMIN),
    "tenant api:consent-purpose-detail": _p(ANY_ROLE, write=PD_ADMIN),
    "tenant api:consent-purpose-texts": _p(ANY_ROLE, write=PD_ADMIN),
    "tenant api:consent-list": _p(ANY_ROLE),
    "tenant api:consent-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:consent-withdraw": _p(ANY_ROLE, scoped=True),
    "tenant api:processing-register-list": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:processing-register-detail": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-list": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-detail": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-export": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-delete-data": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-refuse": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-copy-json": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:subject-request-copy-pdf": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:incident-list": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:incident-detail": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:incident-notify": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:incident-report": _p(MANAGERS, write=PD_ADMIN),
    "tenant api:incident-close": _p(MANAGERS, write=PD_ADMIN),
    "tenant privacy:index": _p(MANAGERS),
    "tenant privacy:request": _p(MANAGERS),
    "tenant privacy:requests": _p(MANAGERS),
    "tenant privacy:incidents": _p(MANAGERS),
    "tenant privacy:request_copy": _p(MANAGERS),
    "tenant privacy:purpose_create": _p(PD_ADMIN),
    "tenant privacy:purpose_text": _p(PD_ADMIN),
    "tenant privacy:consent_withdraw": _p(PD_ADMIN),
    "tenant privacy:activity_create": _p(PD_ADMIN),
    "tenant privacy:activity_edit": _p(PD_ADMIN),
    "tenant privacy:activity_delete": _p(PD_ADMIN),
    "tenant privacy:request_create": _p(PD_ADMIN),
    "tenant privacy:request_answer": _p(PD_ADMIN),
    "tenant privacy:request_refuse": _p(PD_ADMIN),
    "tenant privacy:incident_create": _p(PD_ADMIN),
    "tenant privacy:incident_step": _p(PD_ADMIN),
    "tenant api:roadmap-progress": _p(ANY_ROLE),
    "tenant api:roadmap-items-mine": _p(ANY_ROLE),
    "tenant api:roadmap-report": _p(ANY_ROLE),
    "tenant api:roadmap-report-jobs": _p(ANY_ROLE),
    "tenant api:roadmap-report-job": _p(ANY_ROLE),
    "tenant api:roadmap-report-job-file": _p(ANY_ROLE),
    "tenant api:roadmap-import-list": _p(MANAGERS),
    "tenant api:roadmap-import-detail": _p(MANAGERS),
    "tenant api:roadmap-import-confirm": _p(MANAGERS),
    "tenant api:roadmap-item-list": _content(),
    "tenant api:roadmap-item-detail": _content(),
    "tenant api:roadmap-list": _content(),
    "tenant api:roadmap-detail": _content(),
    "tenant api:roadmap-approve": _p(MANAGERS),
    "tenant api:roadmap-close": _p(MANAGERS),
    "tenant api:roadmap-new-version": _p(MANAGERS),
    "tenant api:fee-schedule-list": _content(),
    "tenant api:fee-schedule-detail": _content(),
    "tenant api:assessment-list": _content(),
    "tenant api:assessment-detail": _content(scoped=True),
    "tenant api:invoice-list": _content(),
    "tenant api:invoice-detail": _content(scoped=True),
    "tenant api:invoice-pay": _p(ANY_ROLE, scoped=True),
    "tenant api:invoice-pdf": _p(ANY_ROLE, scoped=True),
    "tenant api:invoice-void": _p(MANAGERS),
    "tenant api:payment-list": _content(),
    "tenant api:payment-detail": _content(scoped=True),
    "tenant api:payment-refund": _p(MANAGERS),
    "tenant api:payee": _content(),
    "tenant api:bank-statement-list": _p(MANAGERS),
    "tenant api:bank-statement-detail": _p(MANAGERS),
    "tenant api:bank-statement-apply": _p(MANAGERS),
    "tenant api:bank-statement-line-list": _p(MANAGERS),
    "tenant api:bank-statement-line-detail": _p(MANAGERS),
    "tenant api:bank-statement-line-dismiss": _p(MANAGERS),
    "tenant api:bank-statement-line-match": _p(MANAGERS),
    "tenant api:annual-report-list": _p(ANY_ROLE),
    "tenant api:annual-report-draft": _p(ANY_ROLE),
    "tenant api:annual-report-drafts": _p(ANY_ROLE),
    "tenant api:annual-report-detail": _p(ANY_ROLE),
    "tenant api:project-list": _content(),
    "tenant api:project-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:project-budget": _p(ANY_ROLE, scoped=True),
    "tenant api:project-set-status": _p(MANAGERS),
    "tenant api:project-indicator-list": _p(ANY_ROLE, scoped=True),
    "tenant api:project-indicator-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:project-indicator-accept": _p(MANAGERS),
    "tenant api:project-indicator-return-to-draft": _p(MANAGERS),
    "tenant api:project-indicator-submit": _p(ANY_ROLE, scoped=True),
    "tenant api:support-application-list": _content(),
    "tenant api:support-application-detail": _content(scoped=True),
    "tenant api:support-application-decision": _p(MANAGERS),
    "tenant api:support-application-tranches": _p(ANY_ROLE, scoped=True),
    "tenant api:registry-application-pack": _p(MANAGERS),
    # --- cluster host: pages
    "tenant frontend:home": SITE,
    "tenant frontend:login": LOGIN,
    "tenant frontend:logout": LOGIN,
    "tenant frontend:cabinet": _p(ANY_ROLE),
    "tenant frontend:news": SITE,
    "tenant frontend:password_reset": LOGIN,
    "tenant frontend:password_reset_done": LOGIN,
    "tenant members:list": _p(MANAGERS),
    "tenant members:mine": _p(frozenset({MEMBER})),
    "tenant members:create": _p(MANAGERS),
    "tenant members:export": _p(MANAGERS),
    "tenant members:detail": _p(ANY_ROLE, scoped=True),
    "tenant members:edit": _p(ANY_ROLE, scoped=True),
    "tenant members:lifecycle": _p(MANAGERS),
    "tenant members:invite": _p(MANAGERS),
    "tenant members:representative_revoke": _p(MANAGERS),
    "tenant members:invitation_revoke": _p(MANAGERS),
    "tenant members:invitation": INVITE,
    "tenant setup:checklist": _p(MANAGERS),
    "tenant setup:name": _p(frozenset({ADMIN})),
    "tenant setup:regions": _p(frozenset({ADMIN})),
    "tenant setup:logo": _p(frozenset({ADMIN})),
    "tenant setup:logo_file": SITE,
    "tenant setup:import_later": _p(frozenset({ADMIN})),
    "tenant setup:activate": _p(frozenset({ADMIN})),
    "tenant setup:invitation": INVITE,
    "tenant members:products": _p(ANY_ROLE),
    "tenant members:product_create": _p(ANY_ROLE, scoped=True),
    "tenant members:product_edit": _p(ANY_ROLE, scoped=True),
    "tenant members:product_delete": _p(ANY_ROLE, scoped=True),
    "tenant members:kpis": _p(ANY_ROLE),
    "tenant members:kpi_create": _p(ANY_ROLE, scoped=True),
    "tenant members:kpi": _p(ANY_ROLE, scoped=True),
    "tenant members:kpi_action": _p(ANY_ROLE, scoped=True),
    "tenant members:contracts": _p(ANY_ROLE),
    "tenant members:contract_create": _p(MANAGERS),
    "tenant members:contract_delete": _p(MANAGERS),
    "tenant members:import": _p(MANAGERS),
    "tenant members:import_job": _p(MANAGERS),
    "tenant members:import_status": _p(MANAGERS),
    "tenant governance:bodies": _p(ANY_ROLE),
    "tenant governance:officers": _p(ANY_ROLE),
    "tenant governance:committees": _p(ANY_ROLE),
    "tenant governance:committee_create": _p(MANAGERS),
    "tenant governance:committee": _p(ANY_ROLE),
    "tenant governance:committee_member_add": _p(MANAGERS),
    "tenant governance:committee_member_remove": _p(MANAGERS),
    "tenant governance:committee_document_upload": _p(MANAGERS),
    "tenant governance:committee_document": _p(ANY_ROLE),
    "tenant governance:committee_document_delete": _p(MANAGERS),
    "tenant governance:meetings": _p(ANY_ROLE),
    "tenant governance:meeting_create": _p(MANAGERS),
    "tenant governance:meeting": _p(ANY_ROLE),
    "tenant governance:meeting_agenda_add": _p(MANAGERS),
    "tenant governance:meeting_agenda_delete": _p(MANAGERS),
    "tenant governance:meeting_attendance": _p(MANAGERS),
    "tenant governance:meeting_decision_add": _p(MANAGERS),
    "tenant governance:meeting_protocol": _p(ANY_ROLE),
    "tenant governance:body_edit": _p(MANAGERS),
    "tenant governance:body_delete": _p(MANAGERS),
    "tenant governance:officer_edit": _p(MANAGERS),
    "tenant governance:officer_delete": _p(MANAGERS),
    "tenant governance:committee_edit": _p(MANAGERS),
    "tenant governance:committee_delete": _p(MANAGERS),
    "tenant governance:meeting_edit": _p(MANAGERS),
    "tenant governance:meeting_delete": _p(MANAGERS),
    "tenant site:events": SITE,
    "tenant site:calendar": SITE,
    "tenant site:event_create": _p(MANAGERS),
    "tenant site:event": SITE,
    "tenant site:event_edit": _p(MANAGERS),
    "tenant site:event_delete": _p(MANAGERS),
    "tenant site:event_register": _p(ANY_ROLE),
    "tenant site:event_withdraw": _p(ANY_ROLE, scoped=True),
    "tenant site:directory": SITE,
    "tenant site:company": SITE,
    "tenant site:products": SITE,
    "tenant site:news": SITE,
    "tenant site:news_detail": SITE,
    "tenant site:articles": SITE,
    "tenant site:article": SITE,
    "tenant site:jobs": SITE,
    "tenant site:job": SITE,
    "tenant site:documents": SITE,
    "tenant site:document_download": SITE,
    **{
        f"tenant site:manage_{kind}{suffix}": _p(MANAGERS)
        for kind in ("news", "articles", "jobs", "documents")
        for suffix in ("", "_create", "_edit", "_delete")
    },
    "tenant audit:log": _p(MANAGERS),
    "tenant roadmap:list": _p(ANY_ROLE),
    "tenant roadmap:create": _p(MANAGERS),
    "tenant roadmap:import": _p(MANAGERS),
    "tenant roadmap:import_preview": _p(MANAGERS),
    "tenant roadmap:detail": _p(ANY_ROLE),
    "tenant roadmap:edit": _p(MANAGERS),
    "tenant roadmap:approve": _p(MANAGERS),
    "tenant roadmap:new_version": _p(MANAGERS),
    "tenant roadmap:close": _p(MANAGERS),
    "tenant roadmap:delete": _p(MANAGERS),
    "tenant roadmap:item": _p(ANY_ROLE),
    "tenant roadmap:report_job_create": _p(ANY_ROLE),
    "tenant roadmap:report_job": _p(ANY_ROLE),
    "tenant roadmap:report_job_status": _p(ANY_ROLE),
    "tenant roadmap:report_job_file": _p(ANY_ROLE),
    "tenant roadmap:progress": _p(ANY_ROLE),
    "tenant roadmap:timeline": _p(ANY_ROLE),
    "tenant roadmap:report": _p(ANY_ROLE),
    "tenant roadmap:my_items": _p(ANY_ROLE),
    "tenant roadmap:evidence": _p(ANY_ROLE),
    "tenant roadmap:evidence_delete": _p(ANY_ROLE),
    "tenant fees:schedules": _p(MANAGERS),
    "tenant fees:schedule_create": _p(MANAGERS),
    "tenant fees:schedule": _p(MANAGERS),
    "tenant fees:schedule_edit": _p(MANAGERS),
    "tenant fees:schedule_delete": _p(MANAGERS),
    "tenant fees:exemptions": _p(MANAGERS),
    "tenant fees:exemption_create": _p(MANAGERS),
    "tenant fees:exemption_edit": _p(MANAGERS),
    "tenant fees:exemption_delete": _p(MANAGERS),
    "tenant fees:runs": _p(MANAGERS),
    "tenant fees:run": _p(MANAGERS),
    "tenant fees:run_status": _p(MANAGERS),
    "tenant fees:invoices": _p(MANAGERS),
    "tenant fees:invoice": _p(MANAGERS),
    "tenant fees:invoice_payment": _p(MANAGERS),
    "tenant fees:invoice_void": _p(MANAGERS),
    "tenant fees:payment_refund": _p(MANAGERS),
    "tenant fees:arrears": _p(MANAGERS),
    "tenant fees:ledger": _p(MANAGERS),
    "tenant fees:statements": _p(MANAGERS),
    "tenant fees:statement": _p(MANAGERS),
    "tenant fees:statement_apply": _p(MANAGERS),
    "tenant fees:statement_queue": _p(MANAGERS),
    "tenant fees:statement_demo_file": _p(MANAGERS),
    "tenant fees:statement_line": _p(MANAGERS),
    "tenant fees:statement_line_match": _p(MANAGERS),
    "tenant fees:statement_line_dismiss": _p(MANAGERS),
    "tenant billing:my_invoices": _p(ANY_ROLE),
    "tenant billing:invoice_detail": _p(ANY_ROLE, scoped=True),
    "tenant billing:invoice_pdf": _p(ANY_ROLE, scoped=True),
    "tenant billing:receipt_pdf": _p(ANY_ROLE, scoped=True),
    "tenant billing:invoice_status": _p(ANY_ROLE, scoped=True),
    "tenant billing:invoice_pay": _p(ANY_ROLE, scoped=True),
    "tenant billing:invoice_pay_confirm": _p(ANY_ROLE, scoped=True),
    "tenant billing:payee": _p(MANAGERS),
    "tenant annual:index": _p(ANY_ROLE),
    "tenant annual:year": _p(ANY_ROLE),
    "tenant annual:figure": _p(ANY_ROLE),
    "tenant annual:submit": _p(MANAGERS),
    "tenant annual:report": _p(ANY_ROLE),
    "tenant annual:report_figure": _p(ANY_ROLE),
    "tenant annual:report_pdf": _p(ANY_ROLE),
    "tenant annual:registry": _p(MANAGERS),
    "tenant annual:registry_pack": _p(MANAGERS),
    "tenant projects:list": _p(ANY_ROLE),
    "tenant projects:create": _p(MANAGERS),
    "tenant projects:detail": _p(ANY_ROLE, scoped=True),
    "tenant projects:edit": _p(MANAGERS),
    "tenant projects:status": _p(MANAGERS),
    "tenant projects:delete": _p(MANAGERS),
    "tenant projects:budget": _p(ANY_ROLE, scoped=True),
    "tenant projects:indicator_create": _p(ANY_ROLE, scoped=True),
    "tenant projects:indicator_edit": _p(ANY_ROLE, scoped=True),
    "tenant projects:indicator_action": _p(ANY_ROLE, scoped=True),
    "tenant projects:support_create": _p(MANAGERS),
    "tenant projects:support_decide": _p(MANAGERS),
    "tenant projects:support_delete": _p(MANAGERS),
    "tenant projects:tranche_create": _p(MANAGERS),
    "tenant projects:tranche_delete": _p(MANAGERS),
    "tenant projects:document_upload": _p(ANY_ROLE, scoped=True),
    "tenant projects:document": _p(ANY_ROLE, scoped=True),
    "tenant projects:document_delete": _p(MANAGERS),
    # --- API tokens (issue 15 part A)
    "tenant api:auth-token-list": _p(frozenset({USER})),
    "tenant api:auth-token-detail": _p(frozenset({USER})),
    "public api:auth-token-list": _p(frozenset({USER})),
    "public api:auth-token-detail": _p(frozenset({USER})),
    "tenant api:staff-token-list": _p(frozenset({ADMIN})),
    "tenant api:staff-token-detail": _p(frozenset({ADMIN})),
    "tenant frontend:api_tokens": _p(ANY_ROLE),
    "tenant frontend:api_token_revoke": _p(ANY_ROLE),
    "tenant frontend:staff_api_token_revoke": _p(frozenset({ADMIN})),
    "public frontend:api_tokens": _p(frozenset({USER})),
    "public frontend:api_token_revoke": _p(frozenset({USER})),
    # --- two-factor sign-in and sessions (issue 16)
    "tenant frontend:login_verify": TWO_FACTOR,
    "tenant frontend:login_passkey_options": TWO_FACTOR,
    "tenant frontend:login_passkey": TWO_FACTOR,
    "tenant frontend:security": _p(ANY_ROLE),
    "tenant frontend:security_totp": _p(ANY_ROLE),
    "tenant frontend:security_totp_confirm": _p(ANY_ROLE),
    "tenant frontend:security_totp_remove": _p(ANY_ROLE),
    "tenant frontend:security_recovery": _p(ANY_ROLE),
    "tenant frontend:security_passkey_options": _p(ANY_ROLE),
    "tenant frontend:security_passkey_register": _p(ANY_ROLE),
    "tenant frontend:security_passkey_remove": _p(ANY_ROLE),
    "tenant frontend:sessions": _p(ANY_ROLE),
    "tenant frontend:session_end": _p(ANY_ROLE),
    "tenant api:auth-session-list": _p(frozenset({USER})),
    "tenant api:auth-session-detail": _p(frozenset({USER})),
    "public frontend:login_verify": TWO_FACTOR,
    "public frontend:login_passkey_options": TWO_FACTOR,
    "public frontend:login_passkey": TWO_FACTOR,
    "public frontend:security": _p(frozenset({USER})),
    "public frontend:security_totp": _p(frozenset({USER})),
    "public frontend:security_totp_confirm": _p(frozenset({USER})),
    "public frontend:security_totp_remove": _p(frozenset({USER})),
    "public frontend:security_recovery": _p(frozenset({USER})),
    "public frontend:security_passkey_options": _p(frozenset({USER})),
    "public frontend:security_passkey_register": _p(frozenset({USER})),
    "public frontend:security_passkey_remove": _p(frozenset({USER})),
    "public frontend:sessions": _p(frozenset({USER})),
    "public frontend:session_end": _p(frozenset({USER})),
    "public api:auth-session-list": _p(frozenset({USER})),
    "public api:auth-session-detail": _p(frozenset({USER})),
    "tenant frontend:security_policy": _p(frozenset({ADMIN})),
    # --- general meetings by ballot (issue 13)
    "tenant api:meeting-add-draft": _p(MANAGERS),
    "tenant api:meeting-publish": _p(MANAGERS),
    "tenant api:meeting-close-voting": _p(MANAGERS),
    "tenant api:meeting-tally": _p(MANAGERS),
    "tenant api:meeting-ballots": _p(ANY_ROLE),  # a representative reads and casts its own company's ballot
    "tenant api:meeting-ballot-pdf": _p(ANY_ROLE, scoped=True),
    "tenant api:proxy-list": _p(ANY_ROLE),
    "tenant api:proxy-detail": _p(ANY_ROLE, scoped=True),
    "tenant api:proxy-file": _p(ANY_ROLE, scoped=True),
    "tenant api:proxy-approve": _p(MANAGERS),
    "tenant api:proxy-reject": _p(MANAGERS),
    "tenant governance:voting": _p(ANY_ROLE),
    "tenant governance:ballot": _p(ANY_ROLE),
    "tenant governance:ballot_pdf": _p(ANY_ROLE, scoped=True),
    "tenant governance:ballot_scan": _p(MANAGERS),
    "tenant governance:meeting_publish": _p(MANAGERS),
    "tenant governance:meeting_close_voting": _p(MANAGERS),
    "tenant governance:meeting_paper_ballot": _p(MANAGERS),
    "tenant governance:meeting_register": _p(MANAGERS),
    "tenant governance:meeting_material_upload": _p(MANAGERS),
    "tenant governance:meeting_material_delete": _p(MANAGERS),
    "tenant governance:meeting_material": _p(ANY_ROLE),
    "tenant governance:body_voting_rules": _p(MANAGERS),
    "tenant governance:meeting_tally": _p(MANAGERS),
    "tenant governance:proxies": _p(ANY_ROLE),  # a representative sees its own companies' proxies
    "tenant governance:proxy_approve": _p(MANAGERS),
    "tenant governance:proxy_reject": _p(MANAGERS),
    "tenant governance:proxy_upload": _p(ANY_ROLE),
    "tenant governance:proxy_file": _p(ANY_ROLE, scoped=True),
    # --- PROКЛАСТЕРЫ selection (issue 19): the cluster's application, the ministry's calls, experts
    "tenant api:program-applications-list": _p(MANAGERS),
    "tenant api:program-applications-detail": _p(MANAGERS),
    "tenant api:program-applications-submit": _p(MANAGERS),
    "tenant api:program-applications-answer": _p(MANAGERS),
    "tenant api:program-applications-document": _p(MANAGERS),
    "tenant program:index": _p(MANAGERS),
    "tenant program:start": _p(MANAGERS),
    "tenant program:application": _p(MANAGERS),
    "tenant program:attach": _p(MANAGERS),
    "tenant program:detach": _p(MANAGERS),
    "tenant program:download": _p(MANAGERS),
    "tenant program:answer": _p(MANAGERS),
    "tenant program:submit": _p(MANAGERS),
    "public api:federal-calls-list": _p(MINISTRY),
    "public api:federal-calls-detail": _p(MINISTRY),
    "public api:federal-calls-applications": _p(MINISTRY),
    "public api:federal-calls-ranking": _p(MINISTRY),
    "public api:federal-calls-protocol": _p(MINISTRY),
    "public api:federal-reviews-list": _p(EXPERT),
    "public api:federal-reviews-detail": _p(EXPERT),
    "public api:federal-reviews-scores": _p(EXPERT),
    "public api:federal-reviews-submit": _p(EXPERT),
    "public selection:calls": _p(MINISTRY),
    "public selection:call": _p(MINISTRY),
    "public selection:call_create": _p(MINISTRY),
    "public selection:call_status": _p(MINISTRY),
    "public selection:assign": _p(MINISTRY),
    "public selection:assign_evenly": _p(MINISTRY),
    "public selection:expert_add": _p(MINISTRY),
    "public selection:application": _p(MINISTRY),
    "public selection:application_download": _p(MINISTRY),
    "public selection:ranking": _p(MINISTRY),
    "public selection:decide": _p(MINISTRY),
    "public selection:protocol": _p(MINISTRY),
    "public selection:my_reviews": _p(frozenset({USER})),  # one's own reviews (none for a non-expert)
    "public selection:review": _p(EXPERT),
    "public selection:results": Public(
        "published results of a selection: public by design (404 until published)"
    ),
    # --- platform host
    "public api:federal-dashboard": _p(MINISTRY),
    "public api:federal-clusters-list": _p(MINISTRY),
    "public api:federal-clusters-detail": _p(MINISTRY),
    "public api:federal-reports-list": _p(MINISTRY),
    "public api:federal-reports-detail": _p(MINISTRY),
    "public api:federal-projects-list": _p(MINISTRY),
    "public api:federal-projects-detail": _p(MINISTRY),
    "public api:federal-registry-checks-list": _p(MINISTRY),
    "public api:federal-registry-checks-detail": _p(MINISTRY),
    "public billing:stripe_webhook": WEBHOOK,
    "public billing:yookassa_notify": WEBHOOK,
    "public federal:overview": _p(MINISTRY),
    "public federal:clusters": _p(MINISTRY),
    "public federal:cluster": _p(MINISTRY),
    "public federal:export_xlsx": _p(MINISTRY),
    "public federal:export_pdf": _p(MINISTRY),
    **{
        f"public reportforms:{name}": _p(PLATFORM)
        for name in ("list", "detail", "copy", "publish", "delete", "indicator", "indicator_delete")
    },
    "public frontend:home": Public("the platform's landing page"),
    "public frontend:login": LOGIN,
    "public frontend:logout": LOGIN,
    "public frontend:my_clusters": _p(frozenset({USER})),
    "public frontend:cabinet": _p(frozenset({USER})),  # the role's home, or a redirect to it
    "public frontend:platform_clusters": _p(PLATFORM),
    "public api:platform-clusters-list": _p(PLATFORM),
    "public frontend:platform_cluster_status": _p(PLATFORM),
    "public frontend:password_reset": LOGIN,
    "public frontend:password_reset_done": LOGIN,
    "public frontend:password_reset_confirm": LOGIN,
    "public frontend:password_reset_complete": LOGIN,
}


# --- the routes, from the resolvers -----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    host: str  # "tenant" or "public"
    name: str  # namespaced URL name
    pattern: str
    params: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.host} {self.name}"

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name, entry.pattern


def all_routes() -> list[Route]:
    routes = []
    for host, urlconf in (("tenant", TENANT), ("public", PUBLIC_HOST)):
        for pattern, name, _ in _walk(get_resolver(urlconf).url_patterns):
            params = tuple(dict.fromkeys(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)))
            routes.append(
                Route(host, name or f"<unnamed {pattern}>", pattern, tuple(a or b for a, b in params))
            )
    return routes


def test_every_route_is_classified() -> None:
    keys = [r.key for r in all_routes()]
    unclassified = sorted(set(keys) - set(ROUTES))
    assert unclassified == [], (
        "classify these routes in tests/test_route_sweep.py ROUTES "
        f"(Public with a reason, or Protected with the roles): {unclassified}"
    )
    stale = sorted(set(ROUTES) - set(keys))
    assert stale == [], f"ROUTES lists routes that no longer exist: {stale}"


# --- one real row of each kind in alpha ------------------------------------------------------

_numbers = itertools.count(1)


@dataclass
class World:
    ids: dict[str, Any]
    missing: list[str]  # rows the fixture failed to build (a failure)
    unbuilt: set[str] = field(default_factory=set)  # route:param filled with an id no row has (reported)


def _make_world(cluster: Cluster, other_cluster: Cluster, rep_user: User) -> World:
    from billing.models import Invoice, Payment
    from core.audit.services import Actor
    from core.federal.models import ReportForm
    from tenants.content.models import Article, Document, Job, News
    from tenants.events.models import Event, Participation
    from tenants.fees.models import FeeExemption
    from tenants.governance.models import AgendaItem, Committee, CommitteeMember, MeetingMaterial, Officer
    from tenants.members.models import CooperationContract, ImportJob, Invitation, KpiReport, Product
    from tenants.projects.models import ProjectIndicator, SupportApplication, SupportTranche
    from tenants.roadmap.models import ReportJob
    from tests.federal import factories as federal_f
    from tests.fees import factories as fees_f
    from tests.governance import factories as gov_f
    from tests.members import factories as members_f
    from tests.projects import factories as projects_f
    from tests.roadmap import factories as roadmap_f

    ids: dict[str, Any] = {}
    missing: list[str] = []

    def make(kind: str, build: Callable[[], Any]) -> None:
        try:
            with transaction.atomic():
                ids[kind] = build()
        except Exception as exc:  # a row this sweep could not build: reported, the id stays unknown
            missing.append(f"{kind} ({type(exc).__name__}: {exc})"[:200])

    with schema_context(cluster.schema_name):
        company = members_f.company(cluster, "Сторона А")
        other = members_f.company(cluster, "Сторона Б")
        third = members_f.company(cluster, "Сторона В")
        for member in (company, other, third):
            members_f.move_to(cluster, member, "active")
        ids["company"], ids["other_company"] = company.pk, other.pk
        make("product", lambda: Product.objects.create(company=company, name="Изделие").pk)
        make("kpi", lambda: KpiReport.objects.create(company=company, year=2024).pk)
        make(
            "contract",
            lambda: (
                CooperationContract.objects.create(
                    party_a=company,
                    party_b=third,
                    number="Д-1",
                    signed_on=dt.date(2024, 1, 1),
                    subject="Поставка",
                ).pk
            ),
        )
        make(
            "invitation",
            lambda: (
                Invitation.objects.create(
                    company=company,
                    email="invitee@example.test",
                    token="sweep-token-" + "x" * 30,
                    expires_at=timezone.now() + dt.timedelta(days=3),
                ).pk
            ),
        )
        body = gov_f.body(cluster)
        ids["body"] = body.pk
        make(
            "officer",
            lambda: (
                Officer.objects.create(
                    body=body,
                    title="Председатель",
                    person_name="Иванов И. И.",
                    term_start=dt.date(2025, 1, 1),
                ).pk
            ),
        )
        committee = Committee.objects.create(name="Комитет")
        ids["committee"] = committee.pk
        make(
            "committee_member",
            lambda: CommitteeMember.objects.create(committee=committee, person_name="Петров П. П.").pk,
        )
        make(
            "committee_document",
            lambda: (
                committee.documents.create(
                    title="Положение",
                    file=ContentFile(b"%PDF-1.4", name="p.pdf"),
                    original_name="p.pdf",
                    size=8,
                ).pk
            ),
        )
        meeting = gov_f.meeting(cluster, body)
        ids["meeting"] = meeting.pk
        make("agenda_item", lambda: AgendaItem.objects.create(meeting=meeting, number=99, title="Вопрос").pk)
        make(
            "meeting_material",
            lambda: (
                MeetingMaterial.objects.create(
                    meeting=meeting,
                    title="Отчёт",
                    file=ContentFile(b"%PDF-1.4", name="r.pdf"),
                    original_name="r.pdf",
                    size=8,
                ).pk
            ),
        )
        make("news", lambda: News.objects.create(title="Новость").pk)
        make("article", lambda: Article.objects.create(title="Статья").pk)
        make("job", lambda: Job.objects.create(title="Инженер").pk)
        make(
            "document",
            lambda: Document.objects.create(title="Устав", file=ContentFile(b"%PDF-1.4", name="u.pdf")).pk,
        )
        make(
            "event",
            lambda: (
                Event.objects.create(
                    title="Форум", starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 5, 2)
                ).pk
            ),
        )
        make("participation", lambda: Participation.objects.create(event_id=ids["event"], company=company).pk)
        plan = roadmap_f.roadmap(cluster)
        ids["roadmap"] = plan.pk
        make("item", lambda: roadmap_f.item(plan).pk)
        make("schedule", lambda: fees_f.schedule(cluster).pk)
        lead = projects_f.member("Ведущий участник проекта")
        projects_f.admitted_on(lead, dt.datetime(2020, 1, 10, tzinfo=dt.UTC))
        make("project", lambda: projects_f.project(cluster, lead, title="Совместный проект").pk)
        make(
            "indicator",
            lambda: (
                ProjectIndicator.objects.create(
                    project_id=ids["project"], year=2025, kind=ProjectIndicator.Kind.choices[0][0], planned=10
                ).pk
            ),
        )
        make(
            "support_application",
            lambda: (
                SupportApplication.objects.create(
                    project_id=ids["project"],
                    company=lead,
                    measure=SupportApplication.Measure.choices[0][0],
                    amount_requested_kopecks=1_000_000,
                    submitted_on=dt.date(2025, 3, 1),
                ).pk
            ),
        )
        make(
            "tranche",
            lambda: (
                SupportTranche.objects.create(
                    application_id=ids["support_application"],
                    received_on=dt.date(2025, 4, 1),
                    amount_kopecks=500_000,
                ).pk
            ),
        )
        make(
            "exemption",
            lambda: (
                FeeExemption.objects.create(
                    company=company, starts_on=dt.date(2025, 1, 1), reason="Решение совета"
                ).pk
            ),
        )
        make("report_job", lambda: ReportJob.objects.create(roadmap=plan, format="pdf").pk)
        make("member_import", lambda: ImportJob.objects.create(file=ContentFile(b"x;y", name="m.csv")).pk)
        del federal_f, Actor  # imported for parity with the factories' modules
    make("report_form", lambda: ReportForm.objects.create(year=2031).pk)
    make(
        "invoice",
        lambda: (
            Invoice.objects.create(
                cluster=cluster,
                number=f"S-{next(_numbers)}",
                company_id=company.pk,
                company_name="Сторона А",
                issue_date=dt.date(2026, 1, 10),
                due_date=dt.date(2026, 2, 10),
                amount_kopecks=100_000,
                source_key=f"sweep:{next(_numbers)}",
            ).pk
        ),
    )
    make(
        "payment",
        lambda: (
            Payment.objects.create(
                cluster=cluster,
                invoice_id=ids["invoice"],
                method=Payment.Method.MANUAL,
                amount_kopecks=100_000,
                status=Payment.Status.SUCCEEDED,
            ).pk
        ),
    )
    with schema_context(cluster.schema_name):
        from core.audit import services as audit_services
        from tenants.privacy import services as privacy
        from tenants.privacy.models import ConsentPurpose

        system = audit_services.Actor.system(cluster)
        make(
            "consent_purpose",
            lambda: privacy.purpose_create(actor=system, title="Рассылка", text="Согласен.").pk,
        )
        make(
            "consent",
            lambda: (
                privacy.consent_give(
                    actor=system,
                    purpose=ConsentPurpose.objects.get(pk=ids["consent_purpose"]),
                    user_id=rep_user.pk,
                ).pk
            ),
        )
        make(
            "processing_activity",
            lambda: (
                privacy.activity_create(
                    actor=system,
                    name="Учёт",
                    data_categories="ФИО",
                    purpose="Собрания",
                    legal_basis="law",
                    retention="5 лет",
                    access="Админы",
                ).pk
            ),
        )
        make(
            "subject_request",
            lambda: privacy.request_create(actor=system, kind="copy", user_id=rep_user.pk).pk,
        )
        make(
            "incident",
            lambda: privacy.incident_create(actor=system, title="Утечка", detected_at=timezone.now()).pk,
        )
    return World(ids=ids, missing=missing)


# which kind of row a path parameter names, by route name prefix (first match wins)
PK_KINDS: list[tuple[str, str]] = [
    ("api:member-import", "member_import"),
    ("api:member", "company"),
    ("api:public-directory", "company"),
    ("api:product", "product"),
    ("api:public-product", "product"),
    ("api:kpi", "kpi"),
    ("api:contract", "contract"),
    ("api:body", "body"),
    ("api:officer", "officer"),
    ("api:committee", "committee"),
    ("api:meeting", "meeting"),
    ("api:news", "news"),
    ("api:event", "event"),
    ("api:public-event", "event"),
    ("api:article", "article"),
    ("api:job", "job"),
    ("api:site-document", "document"),
    ("api:roadmap-import", "roadmap_import"),
    ("api:roadmap-item", "item"),
    ("api:roadmap", "roadmap"),
    ("api:fee-schedule", "schedule"),
    ("api:assessment", "assessment"),
    ("api:invoice", "invoice"),
    ("api:payment", "payment"),
    ("api:bank-statement-line", "statement_line"),
    ("api:bank-statement", "statement"),
    ("api:annual-report", "annual_report"),
    ("api:project-indicator", "indicator"),
    ("api:project", "project"),
    ("api:support-application", "support_application"),
    ("members:", "company"),
    ("governance:committee", "committee"),
    ("governance:meeting", "meeting"),
    ("governance:body", "body"),
    ("governance:officer", "officer"),
    ("site:event", "event"),
    ("site:company", "company"),
    ("site:news", "news"),
    ("site:article", "article"),
    ("site:job", "job"),
    ("site:document", "document"),
    ("site:manage_news", "news"),
    ("site:manage_articles", "article"),
    ("site:manage_jobs", "job"),
    ("site:manage_documents", "document"),
    ("roadmap:", "roadmap"),
    ("fees:schedule", "schedule"),
    ("fees:exemption", "exemption"),
    ("fees:run", "run"),
    ("fees:invoice", "invoice"),
    ("fees:payment", "invoice"),
    ("fees:statement_line", "statement_line"),
    ("fees:statement", "statement"),
    ("billing:", "invoice"),
    ("annual:report", "annual_report"),
    ("projects:", "project"),
    ("api:consent-purpose", "consent_purpose"),
    ("api:consent", "consent"),
    ("api:processing-register", "processing_activity"),
    ("api:subject-request", "subject_request"),
    ("api:incident", "incident"),
    ("privacy:purpose", "consent_purpose"),
    ("privacy:consent", "consent"),
    ("privacy:activity", "processing_activity"),
    ("privacy:request", "subject_request"),
    ("privacy:incident", "incident"),
    ("reportforms:", "report_form"),
    ("api:auth-session", "user_session"),
]
PARAM_KINDS = {
    "user_id": "rep_user",
    "invitation_id": "invitation",
    "product_id": "product",
    "report_id": "kpi",
    "contract_id": "contract",
    "member_id": "committee_member",
    "document_id": "committee_document",
    "material_id": "meeting_material",
    "item_id": "item",
    "company_id": "company",
    "roadmap_id": "roadmap",
    "project_pk": "project",
    "payment_id": "payment",
    "indicator_id": "indicator",
    "application_id": "support_application",
    "tranche_id": "tranche",
    "evidence_id": "evidence",
    "import_id": "roadmap_import",
    "job_id": "report_job",
    "session_id": "user_session",
    "key_id": "passkey",
}
NOT_IDS = {
    "action": "submit",
    "token": "sweep-token-" + "x" * 30,
    "year": 2025,
    "code": "members_total",
    "uidb64": "MQ",
    "format": "json",
}


def _kind(route: Route, param: str) -> str:
    if param == "pk":
        return next((k for prefix, k in PK_KINDS if route.name.startswith(prefix)), "")
    if param == "item_id" and route.name.startswith(("governance:meeting", "api:meeting")):
        return "agenda_item"
    if param == "document_id" and route.name.startswith(("projects:document", "api:project")):
        return "project_document"
    return PARAM_KINDS.get(param, "")


def _kwargs(route: Route, world: World, cluster_slug: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in route.params:
        if param in NOT_IDS:
            values[param] = NOT_IDS[param]
        elif param in ("slug", "cluster_slug"):
            values[param] = cluster_slug
        else:
            values[param] = world.ids.get(_kind(route, param), 999_999)
            if values[param] == 999_999:
                world.unbuilt.add(f"{route.name}:{param}")
    return values


# --- who comes, and what counts as a refusal --------------------------------------------------


def _refused(response: ClientResponse) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def _carry_session(source: Client, to: Client) -> Client:
    name = settings.SESSION_COOKIE_NAME
    to.cookies[name] = source.cookies[name].value
    return to


@dataclass
class Visitor:
    label: str
    client: Client
    roles: frozenset[str]  # what it holds on the host it visits
    company_id: int | None = None
    api_only: bool = False


@pytest.fixture
def sweep_world(
    cluster_a: Cluster, cluster_b: Cluster, make_user: MakeUser, settings: Any, tmp_path: Any
) -> tuple[World, dict[str, list[Visitor]]]:
    settings.MEDIA_ROOT = str(tmp_path)
    nobody = make_user(None, email="nobody@sweep.test")
    beta_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_b, email="admin@beta.sweep.test")
    alpha_admin = make_user(ROLE.CLUSTER_ADMIN, cluster_a, email="admin@alpha.sweep.test")
    world = _make_world(cluster_a, cluster_b, alpha_admin)
    rep_other = make_user(
        ROLE.MEMBER_REPRESENTATIVE,
        cluster_a,
        email="rep-b@alpha.sweep.test",
        company_id=world.ids["other_company"],
    )
    world.ids["rep_user"] = make_user(
        ROLE.MEMBER_REPRESENTATIVE, cluster_a, email="rep-a@alpha.sweep.test", company_id=world.ids["company"]
    ).pk
    # a browser session and a passkey of an account of its own (ids for /account/sessions/<id>/…)
    owner = make_user(ROLE.CLUSTER_STAFF, cluster_a, email="owner@alpha.sweep.test")
    world.ids["user_session"] = UserSession.objects.create(
        user=owner, key_hash="f" * 64, host="alpha.localhost", last_seen_at=timezone.now()
    ).pk
    world.ids["passkey"] = WebAuthnCredential.objects.create(
        user=owner, name="ключ", rp_id="alpha.localhost", credential_id="sweep-key", public_key=b"x"
    ).pk
    beta_session = signed_in(beta_admin, cluster_b)
    nobody_session = signed_in(nobody, None)
    tenant = [
        Visitor("anonymous", client_for(cluster_a), frozenset()),
        Visitor(
            "no-role token", api_client(token_for(nobody, None), cluster_a), frozenset({USER}), api_only=True
        ),
        Visitor(
            "no-role session (platform host's)",
            _carry_session(nobody_session, client_for(cluster_a)),
            frozenset(),
        ),
        Visitor(
            "beta admin token",
            api_client(token_for(beta_admin, cluster_b), cluster_a),
            frozenset({USER}),
            api_only=True,
        ),
        Visitor(
            "beta admin session (beta host's)",
            _carry_session(beta_session, client_for(cluster_a)),
            frozenset(),
        ),
        Visitor(
            "rep of another company, session",
            signed_in(rep_other, cluster_a),
            frozenset({USER, MEMBER}),
            company_id=world.ids["other_company"],
        ),
        Visitor(
            "rep of another company, token",
            api_client(token_for(rep_other, cluster_a), cluster_a),
            frozenset({USER, MEMBER}),
            company_id=world.ids["other_company"],
            api_only=True,
        ),
    ]
    public = [
        Visitor("anonymous", client_for(None), frozenset()),
        Visitor("no-role session", nobody_session, frozenset({USER})),
        Visitor("alpha admin session", signed_in(alpha_admin, None), frozenset({USER})),
        Visitor(
            "alpha admin token",
            api_client(token_for(alpha_admin, None), None),
            frozenset({USER}),
            api_only=True,
        ),
        Visitor("rep token", api_client(token_for(rep_other, None), None), frozenset({USER}), api_only=True),
    ]
    return world, {"tenant": tenant, "public": public}


def _may_pass(access: Protected, visitor: Visitor) -> bool:
    held = visitor.roles & access.roles
    if not held:
        return False
    return not (access.company_scoped and held == {MEMBER})  # a rep of another company: refused


def _may_write(access: Protected, visitor: Visitor) -> bool:
    return _may_pass(
        Protected(access.write if access.write is not None else access.roles, access.company_scoped), visitor
    )


API_METHODS = ("get", "post", "put", "patch", "delete")
PAGE_METHODS = ("get", "post")


def test_every_protected_route_refuses_everyone_without_the_role(
    sweep_world: tuple[World, dict[str, list[Visitor]]],
    cluster_a: Cluster,
) -> None:
    world, visitors = sweep_world
    started = time.monotonic()
    failures: list[str] = []
    counted = {"routes": 0, "requests": 0}
    for route in all_routes():
        access = ROUTES.get(route.key)
        if not isinstance(access, Protected):
            continue
        counted["routes"] += 1
        urlconf = TENANT if route.host == "tenant" else PUBLIC_HOST
        url = reverse(route.name, urlconf=urlconf, kwargs=_kwargs(route, world, cluster_a.schema_name))
        for visitor in visitors[route.host]:
            if visitor.api_only and not route.is_api:
                continue
            reads, writes = _may_pass(access, visitor), _may_write(access, visitor)
            for method in API_METHODS if route.is_api else PAGE_METHODS:
                if reads if method == "get" else writes:
                    continue
                response = (
                    getattr(visitor.client, method)(url, content_type="application/json")
                    if method != "get"
                    else visitor.client.get(url)
                )
                counted["requests"] += 1
                if not _refused(response):
                    failures.append(
                        f"{route.key} {method.upper()} {url} as {visitor.label}: "
                        f"{response.status_code} {response.get('Location', '')}"
                    )
    seconds = time.monotonic() - started
    print(
        f"route sweep: {counted['routes']} protected routes, {counted['requests']} requests, "
        f"{seconds:.0f} s; rows not built: {world.missing or 'none'}; "
        f"parameters without a real row ({len(world.unbuilt)}): {sorted(world.unbuilt)}"
    )
    assert failures == [], "\n".join(failures)
    assert world.missing == []
