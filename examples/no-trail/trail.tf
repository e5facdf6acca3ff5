# The trail and its alarms were removed "to save money".
