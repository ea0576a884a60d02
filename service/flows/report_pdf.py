"""The daily and weekly reports as A4 PDF pages, drawn with matplotlib's object API (no pyplot state, so
requests may render at once): 1 overview and map, 2 charts, 3 tables, then the breached cases, 40 a page."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
A4 = (8.27, 11.69)
BREACHED_PER_PAGE = 40
FONT = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
DENSITY_STEPS = [0, 1, 3, 6, 10, 20]
DENSITY_COLOURS = ["#eef3f9", "#b9d3ee", "#6fa8dc", "#f6c343", "#f08a3c", "#d7263d"]
STATUS_ZH = {"received": "待受理", "acknowledged": "已受理", "dispatched": "已派遣", "en_route": "在途",
             "on_scene": "到场处置", "resolved": "已处置", "closed": "已结案", "cancelled": "已撤销", "duplicate": "重复合并"}
CLOCK_ZH = {"acknowledge": "受理 1分钟", "on_scene": "到场 10分钟", "law_enforcement": "执法联动 30分钟",
            "mediation": "调解回访 24小时"}
_RC = {"font.sans-serif": FONT, "font.family": "sans-serif", "pdf.fonttype": 42, "axes.unicode_minus": False}
_lock = threading.Lock()  # rcParams are process-wide; one report is drawn at a time


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


def _colour(n: int) -> str:
    return next(c for step, c in reversed(list(zip(DENSITY_STEPS, DENSITY_COLOURS))) if n >= step)


def _header(fig: Any, m: dict[str, Any], title: str, kind_zh: str) -> None:
    fig.text(0.06, 0.965, f"浦沿街道综合指挥 {kind_zh} · {m['period'].label}", fontsize=16, weight="bold", color="#0b2f5b")
    fig.text(0.06, 0.945, f"{title}    统计区间 {_local(m['period'].start)} – {_local(m['period'].end)}（北京时间）"
                          f"    生成于 {_local(m['generated_at'])}", fontsize=8, color="#555")


def _page_overview(pdf: Any, m: dict[str, Any], kind_zh: str) -> None:
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    s = m["summary"]
    fig = Figure(figsize=A4)
    _header(fig, m, "一、总体情况与案件分布", kind_zh)
    kpis = [("受理案件", f"{s['total']}"), ("已办结", f"{s['handled']}"), ("办结率", _pct(s["handled_rate"])),
            ("受理达标", _pct(s["sla"]["acknowledge"]["met_rate"])), ("到场达标", _pct(s["sla"]["on_scene"]["met_rate"])),
            ("超时案件", f"{len({b['id'] for b in m['breached']})}")]
    for i, (label, value) in enumerate(kpis):
        x = 0.06 + i * 0.15
        fig.text(x, 0.905, label, fontsize=9, color="#555")
        fig.text(x, 0.875, value, fontsize=17, weight="bold", color="#0b5fd6")
    ax = fig.add_axes((0.06, 0.12, 0.88, 0.72))
    density = s["density"]
    geoms = [g for _, g in m["micro_grids"]]
    rings, colours = [], []
    for code, geom in m["micro_grids"]:
        for poly in getattr(geom, "geoms", [geom]):
            rings.append(list(poly.exterior.coords))
            colours.append(_colour(density.get(code, 0)))
    ax.add_collection(PolyCollection(rings, facecolors=colours, edgecolors="#9db3cc", linewidths=0.25))
    outlines = [list(poly.exterior.coords) for _, _, geom in m["communities"] for poly in getattr(geom, "geoms", [geom])]
    ax.add_collection(LineCollection(outlines, colors="#0b2f5b", linewidths=0.9))
    for _, name, geom in m["communities"]:
        c = geom.representative_point()
        ax.text(c.x, c.y, name, fontsize=7, ha="center", va="center", color="#0b2f5b",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6})
    open_points = [(lon, lat) for lon, lat, status in m["points"]
                   if status not in ("closed", "resolved", "cancelled", "duplicate")]
    if open_points:
        ax.scatter([p[0] for p in open_points], [p[1] for p in open_points], s=6, c="#d7263d", edgecolors="white",
                   linewidths=0.3, zorder=3)
    if geoms:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / 0.866)  # ~cos(30°): metres look square at the street's latitude
    ax.set_axis_off()
    ax.set_title("微网格案件密度（件）与未办结案件位置", fontsize=11)
    handles = [Patch(facecolor=c, edgecolor="#9db3cc", label=(f"{lo}–{hi - 1}" if hi else f"≥{lo}"))
               for lo, hi, c in zip(DENSITY_STEPS, DENSITY_STEPS[1:] + [0], DENSITY_COLOURS)]
    ax.legend(handles=handles, loc="lower left", fontsize=7, title="件/微网格", title_fontsize=7, frameon=True)
    pdf.savefig(fig)


def _page_charts(pdf: Any, m: dict[str, Any], kind_zh: str) -> None:
    from matplotlib.figure import Figure

    s, names = m["summary"], m["names"]
    fig = Figure(figsize=A4)
    _header(fig, m, "二、来源、类别、趋势与时效", kind_zh)
    ax = fig.add_axes((0.08, 0.66, 0.36, 0.24))
    channels = list(s["by_channel"].items())
    if channels:
        ax.pie([v for _, v in channels], labels=[names["channels"].get(k, k) for k, _ in channels], autopct="%1.0f%%",
               textprops={"fontsize": 7}, wedgeprops={"width": 0.45, "edgecolor": "white"})
    ax.set_title("来源渠道", fontsize=10)
    ax = fig.add_axes((0.62, 0.66, 0.33, 0.24))
    cats = list(s["by_category"].items())[:10][::-1]
    ax.barh([names["categories"].get(k, k) for k, _ in cats], [v for _, v in cats], color="#4c78a8")
    ax.tick_params(labelsize=7)
    ax.set_title("事件类别 TOP10", fontsize=10)
    ax = fig.add_axes((0.08, 0.37, 0.87, 0.21))
    buckets = s["buckets"]
    labels = [f"{h}时" for h in range(24)] if len(buckets) == 24 else ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    ax.bar(labels, buckets, color="#2f9bd6")
    ax.tick_params(labelsize=7)
    ax.set_title("分时受理" if len(buckets) == 24 else "逐日受理", fontsize=10)
    ax = fig.add_axes((0.2, 0.07, 0.75, 0.22))
    kinds = list(CLOCK_ZH)
    left = [0] * len(kinds)
    for key, label, colour in (("met", "按时", "#2ca58d"), ("met_late", "超时完成", "#f6c343"),
                               ("breached", "已超时", "#d7263d"), ("running", "计时中", "#6fa8dc")):
        values = [s["sla"][k][key] for k in kinds]
        ax.barh([f"{CLOCK_ZH[k]}  {_pct(s['sla'][k]['met_rate'])}" for k in kinds], values, left=left, label=label,
                color=colour)
        left = [a + b for a, b in zip(left, values)]
    ax.legend(fontsize=7, ncol=4, loc="lower right")
    ax.tick_params(labelsize=7)
    ax.set_title("SLA 分环节达标", fontsize=10)
    pdf.savefig(fig)


def _table(fig: Any, rect: tuple[float, float, float, float], title: str, columns: list[str],
           rows: list[list[str]]) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    ax.set_title(title, fontsize=10, loc="left")
    table = ax.table(cellText=rows or [["无"] + [""] * (len(columns) - 1)], colLabels=columns, loc="upper center",
                     cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.15)


def _page_tables(pdf: Any, m: dict[str, Any], kind_zh: str) -> None:
    from matplotlib.figure import Figure

    s, names = m["summary"], m["names"]
    fig = Figure(figsize=A4)
    _header(fig, m, "三、社区、部门与重复投诉", kind_zh)
    rows = [[names["communities"].get(k, k or "未定位"), str(v)] for k, v in list(s["by_community"].items())[:24]]
    status_rows = [[STATUS_ZH.get(k, k), str(v)] for k, v in s["by_status"].items()]
    _table(fig, (0.06, 0.40, 0.40, 0.52), "各社区案件", ["社区", "案件"], rows)
    _table(fig, (0.54, 0.62, 0.40, 0.30), "案件状态", ["状态", "案件"], status_rows)
    dept = [[d["department"], str(d["whistled"]), str(d["acknowledged"]),
             "–" if d["median_minutes"] is None else f"{d['median_minutes']} 分"] for d in m["departments"][:12]]
    _table(fig, (0.54, 0.30, 0.40, 0.28), "部门履职（吹哨报到）", ["部门", "吹哨", "报到", "报到用时(中位)"], dept)
    repeats = [[names["micro_grids"].get(p["micro_grid"], p["micro_grid"]), names["categories"].get(p["category"], p["category"]),
                str(p["cases"])] for p in m["repeat_places"]]
    _table(fig, (0.06, 0.04, 0.88, 0.30), "重复投诉点位", ["微网格", "主要类别", "案件"], repeats)
    pdf.savefig(fig)


def _pages_breached(pdf: Any, m: dict[str, Any], kind_zh: str) -> int:
    from matplotlib.figure import Figure

    names, breached = m["names"], m["breached"]
    pages = 0
    for start in range(0, max(len(breached), 1), BREACHED_PER_PAGE):
        fig = Figure(figsize=A4)
        _header(fig, m, f"四、超时案件（共 {len(breached)} 项，按超时时长排序）", kind_zh)
        rows = [[f"#{b['id']}", names["categories"].get(b["category"], b["category"]),
                 names["communities"].get(b["community"] or "", b["community"] or "–"), STATUS_ZH.get(b["status"], b["status"]),
                 CLOCK_ZH.get(b["clock"], b["clock"]), "已超时" if b["state"] == "breached" else "超时完成",
                 f"{b['minutes_over']:.0f}", _local(datetime.fromisoformat(b["received_at"]))]
                for b in breached[start:start + BREACHED_PER_PAGE]]
        _table(fig, (0.04, 0.04, 0.92, 0.88), "", ["案件", "类别", "社区", "状态", "时限", "情况", "超时(分)", "受理时间"], rows)
        pdf.savefig(fig)
        pages += 1
    return pages


def expected_pages(m: dict[str, Any]) -> int:
    return 3 + max(1, -(-len(m["breached"]) // BREACHED_PER_PAGE))


def render(m: dict[str, Any], *, kind_zh: str) -> bytes:
    """The report as PDF bytes: overview with the map, charts, tables, and the breached cases."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with _lock, matplotlib.rc_context(_RC), PdfPages(buffer, metadata={
            "Title": f"浦沿街道综合指挥 {kind_zh} {m['period'].label}", "Creator": "GridCommand"}) as pdf:
        _page_overview(pdf, m, kind_zh)
        _page_charts(pdf, m, kind_zh)
        _page_tables(pdf, m, kind_zh)
        _pages_breached(pdf, m, kind_zh)
    return buffer.getvalue()
