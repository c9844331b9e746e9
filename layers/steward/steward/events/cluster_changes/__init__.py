"""The CloudTrail events Steward reacts to when clusters are deleted or tagged.

EventBridge delivers them as "AWS API Call via CloudTrail" with the CloudTrail record as
`detail`. `requestParameters` keys are the API member names with the first letter lower-cased,
and parameters the caller left out are absent, not false (docs: aws-api-facts.md §0.4).

`EVENTS` is the one table of what Steward accepts: for each (eventSource, eventName), which
request parameter holds the resource id, what kind of resource it is, and where the final
snapshot name is. Tag events name their resource by ARN, so their kind comes from the ARN.
"""
