"""Pure domain: observed-state models, checks, the policy-rule evaluator and the plan diff. No I/O, no SDK, no UI."""
