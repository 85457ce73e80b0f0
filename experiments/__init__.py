"""Running scenarios from the command line, batch sweeps and their analysis."""
