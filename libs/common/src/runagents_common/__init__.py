"""RunAgents shared infrastructure."""
