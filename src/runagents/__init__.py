"""The RunAgents command line and the composition of services."""
