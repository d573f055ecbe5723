import sys

from thera_stats.cli import main

sys.exit(main())
