"""The roadmap area's API (/api/v1/roadmaps/…, /api/v1/roadmap-items/mine/), mirroring
frontend/roadmap: views (roadmaps, items, import), report_views (report files, background
jobs), tracking_views (progress, «my items»), urls (included by api/urls_tenant.py)."""
