"""The troubleshooting site: pages generated from the signatures (see `pages.py` and `mkdocs_hook.py`)."""
