environment  = "dev"
alert_emails = ["finance@example.com"]
