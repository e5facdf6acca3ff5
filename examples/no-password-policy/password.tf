# The account password policy was removed: AWS falls back to 8 characters, no reuse rule.
