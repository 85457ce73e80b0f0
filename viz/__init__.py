"""The Solara app (explorer and workshop pages); see the interactive-app issue."""
