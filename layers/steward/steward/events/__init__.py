"""Models of the AWS events Steward accepts, one module per capability."""
