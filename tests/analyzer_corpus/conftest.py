# The corpus programs are analyzed, never imported or run; some carry their own test files.
collect_ignore_glob = ["*/src/*"]
