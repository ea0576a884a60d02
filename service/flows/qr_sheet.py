"""Printable QR label sheets: one A4 PDF per community, one micro-grid per label (QR, name, grid worker)."""

from __future__ import annotations

import io
import threading
from typing import Any

import segno

COLUMNS, ROWS = 3, 4  # 12 labels an A4 page, about 6 x 7 cm each
_lock = threading.Lock()  # rcParams are process-wide


def render(labels: list[dict[str, Any]], *, url_of: dict[str, str], title: str) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    rc = {"font.sans-serif": ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"], "pdf.fonttype": 42}
    per_page = COLUMNS * ROWS
    with _lock, matplotlib.rc_context(rc), PdfPages(buffer, metadata={"Title": title, "Creator": "GridCommand"}) as pdf:
        for start in range(0, max(len(labels), 1), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            fig.text(0.5, 0.975, title, ha="center", fontsize=12, weight="bold")
            for i, label in enumerate(labels[start:start + per_page]):
                col, row = i % COLUMNS, i // COLUMNS
                left, top = 0.04 + col * 0.32, 0.95 - row * 0.235
                ax = fig.add_axes((left + 0.06, top - 0.16, 0.18, 0.15))
                matrix = segno.make(url_of[label["code"]], error="m", micro=False).matrix
                ax.imshow([[0 if v else 1 for v in line] for line in matrix], cmap="gray", interpolation="nearest")
                ax.set_axis_off()
                fig.text(left + 0.15, top - 0.175, "扫码上报 · 随手拍", ha="center", fontsize=9, weight="bold", color="#0b5fd6")
                fig.text(left + 0.15, top - 0.193, label["name"], ha="center", fontsize=8)
                fig.text(left + 0.15, top - 0.208, f"网格员 {label['grid_worker'] or '—'} · {label['code']}", ha="center",
                         fontsize=6, color="#555")
                fig.add_artist(matplotlib.patches.Rectangle((left, top - 0.218), 0.30, 0.222, fill=False,
                                                            linestyle="--", linewidth=0.4, edgecolor="#999",
                                                            transform=fig.transFigure))
            pdf.savefig(fig)
    return buffer.getvalue()
