"""`tether acp`: an Agent Client Protocol agent (official `agent-client-protocol` SDK) running the bounded repo agent."""
