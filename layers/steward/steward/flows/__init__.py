"""One module per capability: plan, act and report. What the handlers call."""
