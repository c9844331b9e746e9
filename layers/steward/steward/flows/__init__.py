"""One folder per capability, one module per path through it: what the handlers call."""
