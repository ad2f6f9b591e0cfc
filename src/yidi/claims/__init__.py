"""Manual reimbursement (手工报销) operator commands; the use cases are in yidi.services.claims."""
