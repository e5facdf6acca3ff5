"""accountguard: AWS account-protection controls, judged from Terraform plans."""

__version__ = "0.1.0"
