"""clawkb's knowledge layer: signature schema and loading, validation, the CLI, pages and remediation."""
