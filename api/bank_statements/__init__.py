"""/api/v1/bank-statements/ and /api/v1/bank-statement-lines/: import a 1CClientBankExchange
statement (preview), apply it, and work the queue of unmatched lines (cluster admins and staff)."""
