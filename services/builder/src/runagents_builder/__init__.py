"""RunAgents builder service."""
