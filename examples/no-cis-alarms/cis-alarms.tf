# No CIS alarms: nobody hears of root sign-ins or password-only console logins.
