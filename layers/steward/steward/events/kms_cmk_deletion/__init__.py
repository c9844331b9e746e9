"""KMS's own `KMS CMK Deletion` event: guaranteed, possibly delivered more than once."""
