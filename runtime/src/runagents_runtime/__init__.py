"""RunAgents agent runtime."""
