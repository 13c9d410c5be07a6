"""The ministry's federal API on the public host (mirrors frontend/federal)."""
