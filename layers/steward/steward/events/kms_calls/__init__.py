"""KMS calls recorded by CloudTrail: DeleteKey (the waiting period ended), Schedule- and CancelKeyDeletion."""
