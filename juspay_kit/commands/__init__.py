"""The console commands of the kit; each module has `main(argv) -> exit code` and `console()`."""
