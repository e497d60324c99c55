"""``python -m ot_billing_rules.cli``: the ``ot-billing`` command."""

import sys

from . import main

sys.exit(main())
