"""RunAgents runs service."""
