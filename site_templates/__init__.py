"""Jinja2 templates shared by the site, `clawkb show` and the GitHub Action comment (installed as `clawkb.site_templates`)."""
