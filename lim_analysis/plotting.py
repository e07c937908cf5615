"""One figure style for every chapter, and saving figures beside results."""

import logging
from pathlib import Path

import matplotlib as mpl

log = logging.getLogger(__name__)

#: Colours by role, so that a quantity keeps its colour across chapters.
COLORS = {
    "bound": "#1b6ca8",
    "landauer": "#222222",
    "excess": "#7fb3d5",
    "core": "#1b6ca8",
    "array_update": "#1b6ca8",
    "array_read": "#85c1e9",
    "peripheral": "#d35400",
    "adc": "#d35400",
    "dac": "#e59866",
    "calibration": "#a04000",
    "write_verify": "#8e44ad",
    "data_movement": "#16a085",
    "control": "#7f8c8d",
    "other": "#bdc3c7",
    "fixed_barrier": "#c0392b",
    "accelerator": "#7d3c98",
    "serial": "#c0392b",
    "parallel": "#1b6ca8",
}

_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2.2,
    "font.size": 11,
    "legend.frameon": False,
}


def use_style() -> None:
    """Apply the workbench's figure style to matplotlib."""
    mpl.rcParams.update(_STYLE)


def save_figure(fig, output_dir, name: str) -> Path:
    """Save ``fig`` as ``output_dir/name.png`` and return the path.

    The PNG carries no timestamp, so the same figure gives the same file.
    """
    path = Path(output_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    log.info("wrote %s", path)
    return path
