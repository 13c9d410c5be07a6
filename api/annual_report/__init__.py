"""The annual report API of a cluster (mirrors frontend/annual_report)."""
