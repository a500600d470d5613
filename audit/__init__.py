"""The audit trail: who changed what, when, before and after. Written by services, never edited."""
