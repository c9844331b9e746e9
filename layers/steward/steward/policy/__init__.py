"""Pure decisions: given resources, tags, a clock and settings, a plan with a reason for every item."""
