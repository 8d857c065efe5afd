"""How a step module runs as a program: logging on stdout, and a failure that says why.

SageMaker shows the first KB of ``/opt/ml/output/message`` as the job's exit message,
so a step that stops on bad input (a contract violation, a missing file) writes its
error there as well as to the log, and the console says what went wrong.
"""

import logging
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_MESSAGE = Path("/opt/ml/output/message")
EXIT_MESSAGE_LIMIT = 1024


def run(main: Callable[[], None]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    try:
        main()
    except Exception as error:
        logging.getLogger(main.__module__).error("%s: %s", type(error).__name__, error)
        if EXIT_MESSAGE.parent.is_dir():
            EXIT_MESSAGE.write_text(f"{type(error).__name__}: {error}"[:EXIT_MESSAGE_LIMIT])
        raise SystemExit(1) from error
