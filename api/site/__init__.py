"""API of the cluster's site: content (`content`), events (`events`) and the anonymous,
read-only public site (`public`). Mirrors frontend/site/."""
