"""RunAgents deployer service."""
