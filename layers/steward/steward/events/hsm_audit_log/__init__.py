"""The CloudHSM audit log, delivered by a CloudWatch Logs subscription: one more key-removal trigger."""
