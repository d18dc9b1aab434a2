"""newsdesk: the serverless backend of a Danish local magazine."""
