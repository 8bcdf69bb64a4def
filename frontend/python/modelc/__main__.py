"""python -m modelc plot RESULTS_DIR [--format png,svg] [--out FILE]: the plots of a results
directory, written next to it (results/cuba -> results/cuba.png)."""
import argparse
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m modelc")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="plot a results directory (raster, rates, traces)")
    p.add_argument("results")
    p.add_argument("--format", default="png", help="comma-separated: png, svg, pdf")
    p.add_argument("--out", help="one file instead of RESULTS_DIR.<format>")
    args = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    from . import plot
    try:
        written = plot.save(args.results, out=args.out, formats=tuple(args.format.split(",")))
    except (FileNotFoundError, KeyError, ImportError) as e:
        print("modelc plot: error: %s" % (e.args[0] if e.args else e), file=sys.stderr)
        return 1
    for path in written:
        print("plot written to %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
