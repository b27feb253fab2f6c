# Pick lists, packing, carriers and labels arrive with the picking and shipping issues.
