import sys

from motifscope.cli import main

sys.exit(main())
