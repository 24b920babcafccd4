"""``python -m soteplan`` runs the command line."""

from soteplan.cli import main

if __name__ == "__main__":
    main()
