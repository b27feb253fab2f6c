# Cross-app reports (the manager's dashboard) read through the other apps' selectors.
