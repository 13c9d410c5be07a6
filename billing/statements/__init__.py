"""Bank statements (1CClientBankExchange) reconciled against invoices.

| module | holds |
|---|---|
| `parser` | the text format: encodings, sections, documents, line-numbered Russian errors |
| `matching` | invoice numbers in a payment purpose; a line's proposed invoice and state (pure) |
| `models` | BankStatement, BankStatementLine (its booking key is unique among booked lines) |
| `selectors` | reads: statements, lines, the facts matching needs (a fixed number of queries per batch) |
| `services` | `statement_import` (preview), `statement_apply` (all or nothing), `line_match`, `line_dismiss` |
| `demo` | a Windows-1251 demo statement built from a demo cluster's open invoices |

Nothing here imports the package's own modules at import time: billing.models imports
`models` from here.
"""
