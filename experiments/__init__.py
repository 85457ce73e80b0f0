"""Running scenarios from the command line, writing their data and charts; sweeps later."""
