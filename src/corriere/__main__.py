import sys

from corriere.cli import main

sys.exit(main())
