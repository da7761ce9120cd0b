"""Train one recipe: python training/train.py --config training/configs/X.yaml [--out runs/NAME] [--resume] [--data-dir DIR]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zsre_train.config import ConfigError, load_config  # noqa: E402
from zsre_train.recipe import train  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the EMMA bi-encoder and cross-encoder, then fit fusion.")
    parser.add_argument("--config", required=True, type=Path, help="recipe file, e.g. training/configs/tiny.yaml")
    parser.add_argument("--out", type=Path, help="run folder (default training/runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    out = args.out or REPO_ROOT / "training" / "runs" / args.config.stem
    try:
        train(load_config(args.config), args.config, args.data_dir, out, args.resume)
    except (ConfigError, FileExistsError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
