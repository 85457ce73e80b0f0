"""Workshop mode: teams play the registry economy round by round (rooms, roles, pages)."""
