"""The Solara app: the explorer, the About page and the workshop pages, and their subcommands."""
