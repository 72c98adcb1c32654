// DVCGSimulation: the paper environment (issue 2).
