"""RunAgents policy service."""
