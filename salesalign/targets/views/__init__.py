"""Pages of the targets app (method step 2), one module per part: plans, cascade, allocation,
negotiation, line of sight."""
