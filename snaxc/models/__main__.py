"""`python -m snaxc.models NAME -o model.onnx [--calibration cal.npz]`: write a zoo network."""

from __future__ import annotations

import argparse
import sys

import onnx

from snaxc.models.calibration import write_calibration
from snaxc.models.networks import NETWORKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snaxc.models",
        description="Write one of the reference networks (float ONNX, seeded weights).",
    )
    parser.add_argument("name", choices=sorted(NETWORKS), help="network to build")
    parser.add_argument("-o", "--output", required=True, help="ONNX file to write")
    parser.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    parser.add_argument("--calibration", metavar="NPZ", help="also write calibration inputs")
    parser.add_argument("--samples", type=int, default=16, help="calibration samples (16)")
    args = parser.parse_args(argv)
    model = NETWORKS[args.name](args.seed)
    try:
        onnx.save(model, args.output)
        if args.calibration:
            write_calibration(model, args.calibration, samples=args.samples, seed=args.seed + 1)
    except OSError as e:
        print(f"snaxc: error: cannot write output ({e.strerror})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
