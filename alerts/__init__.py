"""The alerts stage: cases per event, response clocks from policy profiles, escalation.

It imports only the kernel (`pipeline`); policy profiles are data in deploy/policies/.
"""
