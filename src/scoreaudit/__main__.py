import sys

from scoreaudit.cli import main

sys.exit(main())
