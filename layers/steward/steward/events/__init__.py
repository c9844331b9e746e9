"""What arrives, read into typed outcomes: one folder per trigger source, each its models and parser."""
