"""One adapter per AWS service, all shaped alike: list what it owns, act on one item or a batch,
turn AWS errors into Steward's own outcomes. boto3 appears nowhere else."""
