"""Building blocks of the contract suite: depth profiles, the privacy oracle and model, and the
schemathesis integration with webrpc-aware checks. The schemathesis parts need the `[contract]` extra.
"""
