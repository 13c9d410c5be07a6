"""/api/v1/members/, /products/, /kpis/, /contracts/: the members area's API, mirroring
frontend/members/ (companies.py: companies, lifecycle, representatives, import and export;
records.py: products, yearly figures, contracts; urls.py: the routes)."""
