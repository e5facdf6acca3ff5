"""accountguard's controls as checkov custom checks (checkov --external-checks-dir)."""
