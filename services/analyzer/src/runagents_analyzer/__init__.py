"""RunAgents analyzer service."""
