"""RunAgents gateway service."""
