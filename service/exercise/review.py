"""After-action review: the score, an HTML report (server-rendered SVG, no CDN), a PDF, and playback data."""

from __future__ import annotations

import html
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from service.domain.units import epoch_ms
from service.exercise.manager import ExerciseManager
from service.exercise.results import ExerciseMaterial, read_material, score
from service.store import exercise as exercise_store
from service.store.db import Database

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
MAP_W, MAP_H = 760, 520
TL_W = 760
STATUS_COLOURS = {"received": "#d62728", "acknowledged": "#ff7f0e", "dispatched": "#1f77b4", "en_route": "#1f77b4",
                  "on_scene": "#9467bd", "resolved": "#2ca02c", "closed": "#2ca02c", "cancelled": "#7f7f7f",
                  "duplicate": "#bcbd22"}


def _material(mgr: ExerciseManager, exercise_id: str) -> ExerciseMaterial:
    folder = mgr.folder(exercise_id)
    db = mgr.record(exercise_id)
    try:
        return read_material(folder, db)
    finally:
        db.dispose()


def score_of(mgr: ExerciseManager, exercise_id: str) -> dict[str, Any]:
    return score(_material(mgr, exercise_id))


def _local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%m-%d %H:%M:%S")


def playback_of(mgr: ExerciseManager, exercise_id: str) -> dict[str, Any]:
    """Cases (with their open and close moments) and unit fixes, for layers with temporal properties."""
    m = _material(mgr, exercise_id)
    return playback(m)


def playback(m: ExerciseMaterial) -> dict[str, Any]:
    end = max(m.clock_end, datetime.fromisoformat(m.manifest.end))
    return {"exercise": m.manifest.public(), "start": m.manifest.origin, "end": end.isoformat(),
            **_playback_items(m.cases, m.units, m.tracks)}


def playback_period(db: Database, *, start: datetime, end: datetime) -> dict[str, Any]:
    """Any period of a record (the live one, or an exercise's own) as playback data."""
    with db.read() as session:
        ids = [r["id"] for r in exercise_store.reports_between(session=session, start=start, end=end)]
        cases = exercise_store.case_histories(session=session, incident_ids=ids)
        units = exercise_store.unit_catalog(session=session)
        tracks = exercise_store.unit_tracks(session=session, since_ms=epoch_ms(start), until_ms=epoch_ms(end))
    return {"start": start.isoformat(), "end": end.isoformat(), **_playback_items(cases, units, tracks)}


def _playback_items(cases_in: list[dict[str, Any]], units: list[dict[str, Any]],
                    tracks: dict[int, list[tuple[int, float, float]]]) -> dict[str, Any]:
    callsign = {u["id"]: u["callsign"] for u in units}
    cases = []
    for c in cases_in:
        if c["lon"] is None:
            continue
        ended = next((a["at"] for a in c["actions"] if a["to_status"] in ("resolved", "closed", "cancelled",
                                                                            "duplicate")), None)
        cases.append({"id": c["id"], "category": c["category"], "status": c["status"], "lon": c["lon"],
                      "lat": c["lat"], "start": c["received_at"], "end": ended})
    fixes = [{"unit": callsign.get(u, str(u)), "time_ms": t, "lon": lon, "lat": lat}
             for u, track in tracks.items() for t, lon, lat in track]
    return {"cases": cases, "fixes": fixes}


# --- HTML ---------------------------------------------------------------------------------------
def html_of(mgr: ExerciseManager, exercise_id: str) -> str:
    m = _material(mgr, exercise_id)
    return render_html(m, score(m))


def _bounds(m: ExerciseMaterial) -> tuple[float, float, float, float]:
    xs = [c["lon"] for c in m.cases if c["lon"] is not None] + [p[1] for t in m.tracks.values() for p in t]
    ys = [c["lat"] for c in m.cases if c["lat"] is not None] + [p[2] for t in m.tracks.values() for p in t]
    if not xs:
        return 0.0, 0.0, 1.0, 1.0
    pad = 0.002
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _map_svg(m: ExerciseMaterial) -> str:
    x0, y0, x1, y1 = _bounds(m)

    def px(lon: float, lat: float) -> str:
        return f"{(lon - x0) / (x1 - x0) * MAP_W:.1f},{MAP_H - (lat - y0) / (y1 - y0) * MAP_H:.1f}"

    parts = [f'<svg class="map" viewBox="0 0 {MAP_W} {MAP_H}" width="{MAP_W}" height="{MAP_H}" '
             f'xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="#f7f7f2"/>']
    for track in m.tracks.values():
        step = max(1, len(track) // 400)  # a month of fixes would not draw; the shape does
        points = " ".join(px(lon, lat) for _, lon, lat in track[::step])
        parts.append(f'<polyline points="{points}" fill="none" stroke="#6b8fb5" stroke-width="0.8" opacity="0.6"/>')
    for c in m.cases:
        if c["lon"] is None:
            continue
        xy = px(c["lon"], c["lat"]).split(",")
        colour = STATUS_COLOURS.get(c["status"], "#333")
        parts.append(f'<circle class="case" cx="{xy[0]}" cy="{xy[1]}" r="4" fill="{colour}" stroke="#000" '
                     f'stroke-width="0.5"><title>#{c["id"]} {html.escape(c["category"])} {c["status"]}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _timeline_svg(m: ExerciseMaterial, decisions: list[dict[str, Any]]) -> str:
    if not m.cases:
        return "<p>No cases.</p>"
    start = datetime.fromisoformat(m.manifest.origin)
    ends = [datetime.fromisoformat(a["at"]) for c in m.cases for a in c["actions"]]
    ends += [datetime.fromisoformat(c["received_at"]) for c in m.cases]
    end = max(ends + [datetime.fromisoformat(m.manifest.end)])
    span = max((end - start).total_seconds(), 1.0)
    row_h, left = 14, 70
    height = row_h * len(m.cases) + 30

    def x(at: str) -> float:
        return left + (datetime.fromisoformat(at) - start).total_seconds() / span * (TL_W - left - 10)

    parts = [f'<svg class="timeline" viewBox="0 0 {TL_W} {height}" width="{TL_W}" height="{height}" '
             'xmlns="http://www.w3.org/2000/svg" font-size="9" font-family="sans-serif">']
    score_of_case = {d["case_id"]: d["score"] for d in decisions}
    for i, c in enumerate(m.cases):
        y = 20 + i * row_h
        last = c["actions"][-1]["at"] if c["actions"] else c["received_at"]
        parts.append(f'<text x="2" y="{y + 4}">#{c["id"]} {score_of_case.get(c["id"], 0):.0f}</text>')
        parts.append(f'<line x1="{x(c["received_at"]):.1f}" y1="{y}" x2="{max(x(last), x(c["received_at"]) + 2):.1f}" '
                     f'y2="{y}" stroke="#999" stroke-width="3"/>')
        parts.append(f'<circle cx="{x(c["received_at"]):.1f}" cy="{y}" r="3" fill="#d62728"/>')
        for a in c["actions"]:
            colour = STATUS_COLOURS.get(a["to_status"], "#333")
            parts.append(f'<rect x="{x(a["at"]) - 2:.1f}" y="{y - 4}" width="4" height="8" fill="{colour}">'
                         f'<title>{html.escape(a["action"])} by {html.escape(a["actor"])} at {_local(a["at"])}'
                         '</title></rect>')
    parts.append(f'<text x="{left}" y="10">{_local(m.manifest.origin)}</text>'
                 f'<text x="{TL_W - 90}" y="10">{_local(end.isoformat())}</text></svg>')
    return "".join(parts)


def _bar_chart(values: dict[str, float], *, title: str, unit: str) -> str:
    if not values:
        return ""
    w, bar_h = 520, 18
    top = max(max(values.values()), 1.0)
    parts = [f'<svg class="chart" viewBox="0 0 {w} {bar_h * len(values) + 24}" width="{w}" '
             f'height="{bar_h * len(values) + 24}" xmlns="http://www.w3.org/2000/svg" font-size="11" '
             f'font-family="sans-serif"><text x="0" y="12" font-weight="bold">{html.escape(title)}</text>']
    for i, (name, value) in enumerate(values.items()):
        y = 20 + i * bar_h
        parts.append(f'<text x="0" y="{y + 12}">{html.escape(name[:28])}</text>'
                     f'<rect x="190" y="{y + 2}" width="{value / top * 260:.1f}" height="{bar_h - 5}" fill="#4c78a8"/>'
                     f'<text x="{195 + value / top * 260:.1f}" y="{y + 12}">{value:g} {unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}"
    return html.escape(str(value))


def render_html(m: ExerciseMaterial, result: dict[str, Any]) -> str:
    ops = result["operators"]
    rows = "".join(
        f"<tr><td>#{d['case_id']}</td><td>{_fmt(d['reference'])}</td><td>{_fmt(d['category'])}</td>"
        f"<td>{_fmt(d['operator'])}</td><td>{_fmt(d['ack_s'])}</td><td>{_fmt(d['dispatch_s'])}</td>"
        f"<td>{_fmt(d['unit'])}</td><td>{_fmt(d['best_unit'])}</td><td>{_fmt(d['eta_s'])}</td>"
        f"<td>{_fmt(d['best_eta_s'])}</td><td>{'yes' if d['sla_met'] else 'no'}</td>"
        f"<td>{_fmt(d['duplicate'])}</td><td>{'open' if d['left_open'] else 'done'}</td>"
        f"<td class='score'>{d['score']:.0f}</td><td>{html.escape('; '.join(d['notes']))}</td></tr>"
        for d in result["decisions"])
    op_rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{a['cases']}</td><td>{_fmt(a['median_ack_s'])}</td>"
        f"<td>{_fmt(a['median_dispatch_s'])}</td><td>{a['sla_met']}/{a['cases']}</td>"
        f"<td>{a['best_unit_chosen']}/{a['dispatched']}</td><td>{_fmt(a['median_extra_eta_s'])}</td>"
        f"<td>{a['duplicates_linked']}/{a['duplicates_missed']}</td><td>{a['left_open']}</td>"
        f"<td class='score'>{_fmt(a['score'])}</td></tr>" for name, a in ops.items())
    actual = ""
    if "actual" in result:
        a, e = result["actual"]["overall"], result["overall"]
        actual = ("<h2>Side by side with the day itself</h2><table><tr><th></th><th>exercise</th><th>the center "
                  "that day</th></tr>" + "".join(
                      f"<tr><td>{k.replace('_', ' ')}</td><td>{_fmt(e[k])}</td><td>{_fmt(a[k])}</td></tr>"
                      for k in ("cases", "median_ack_s", "median_dispatch_s", "sla_met", "best_unit_chosen",
                                "left_open", "score")) + "</table>")
    man = m.manifest
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>After-action review – {html.escape(man.name)}</title>
<style>body{{font-family:sans-serif;margin:24px;max-width:1100px}}table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ccc;padding:2px 6px}}.score{{font-weight:bold}}.banner{{background:#b00020;color:#fff;
padding:6px 10px;font-weight:bold}}</style></head><body>
<div class="banner">演练 EXERCISE — not live</div>
<h1>After-action review: {html.escape(man.name)}</h1>
<p>Exercise {html.escape(man.id)}, source {html.escape(str(man.source.get('title') or man.source.get('kind')))},
exercise time {_local(man.origin)} to {_local(man.end)} (Asia/Shanghai), {man.speed:g}×.
Overall score <b>{_fmt(result['overall']['score'])}</b> over {result['overall']['cases']} cases.</p>
<h2>Operators</h2><table><tr><th>operator key</th><th>cases</th><th>median ack s</th><th>median dispatch s</th>
<th>SLA met</th><th>best unit</th><th>median extra ETA s</th><th>duplicates linked/missed</th><th>left open</th>
<th>score</th></tr>{op_rows}</table>
{_bar_chart({k: float(v['score'] or 0) for k, v in ops.items()}, title='Score per operator', unit='')}
{_bar_chart({k: float(v['median_ack_s'] or 0) for k, v in ops.items()}, title='Median time to acknowledge',
            unit='s')}
{actual}
<h2>Timeline</h2>{_timeline_svg(m, result['decisions'])}
<h2>Map of cases and unit tracks</h2>{_map_svg(m)}
<h2>Each decision</h2><table><tr><th>case</th><th>ref</th><th>category</th><th>operator</th><th>ack s</th>
<th>dispatch s</th><th>unit</th><th>best unit</th><th>ETA s</th><th>best ETA s</th><th>SLA met</th><th>duplicate</th>
<th>end</th><th>score</th><th>notes</th></tr>{rows}</table>
</body></html>"""


# --- PDF ----------------------------------------------------------------------------------------
def pdf_of(mgr: ExerciseManager, exercise_id: str) -> bytes:
    m = _material(mgr, exercise_id)
    return render_pdf(m, score(m))


def render_pdf(m: ExerciseMaterial, result: dict[str, Any]) -> bytes:
    """A4 pages drawn with matplotlib (installs cleanly, no browser engine): summary, map, timeline, decisions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "DejaVu Sans"]
    buffer = io.BytesIO()
    man = m.manifest
    with PdfPages(buffer) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.06, 0.96, f"After-action review: {man.name}", fontsize=15, weight="bold")
        fig.text(0.06, 0.935, f"演练 EXERCISE — not live   ·   {_local(man.origin)} – {_local(man.end)} (Asia/Shanghai)"
                              f"   ·   {man.speed:g}x", fontsize=9, color="#b00020")
        o = result["overall"]
        fig.text(0.06, 0.91, f"Overall score {_fmt(o['score'])} over {o['cases']} cases; SLA met {o['sla_met']}; "
                             f"best unit {o['best_unit_chosen']}/{o['dispatched']}; left open {o['left_open']}",
                 fontsize=9)
        ax = fig.add_axes((0.3, 0.55, 0.6, 0.32))
        names = list(result["operators"]) or ["(none)"]
        ax.barh(names, [result["operators"].get(n, {}).get("score") or 0 for n in names], color="#4c78a8")
        ax.set_xlim(0, 100)
        ax.set_title("Score per operator key", fontsize=10)
        ax2 = fig.add_axes((0.1, 0.08, 0.8, 0.4))
        for track in m.tracks.values():
            step = max(1, len(track) // 400)
            ax2.plot([p[1] for p in track[::step]], [p[2] for p in track[::step]], lw=0.5, color="#6b8fb5", alpha=0.6)
        pts = [c for c in m.cases if c["lon"] is not None]
        ax2.scatter([c["lon"] for c in pts], [c["lat"] for c in pts], s=14,
                    c=[STATUS_COLOURS.get(c["status"], "#333") for c in pts], edgecolors="black", linewidths=0.3)
        ax2.set_title("Cases and unit tracks", fontsize=10)
        ax2.tick_params(labelsize=6)
        pdf.savefig(fig)
        plt.close(fig)
        decisions = result["decisions"]
        for page in range(0, max(len(decisions), 1), 40):
            fig = plt.figure(figsize=(8.27, 11.69))
            fig.text(0.06, 0.96, "Each decision", fontsize=12, weight="bold")
            cols = ["case", "operator", "ack s", "disp s", "unit", "best", "SLA", "end", "score"]
            cells = [[f"#{d['case_id']}", (d["operator"] or "–")[:22], _fmt(d["ack_s"]), _fmt(d["dispatch_s"]),
                      d["unit"] or "–", d["best_unit"] or "–", "met" if d["sla_met"] else "breach",
                      "open" if d["left_open"] else "done", f"{d['score']:.0f}"] for d in decisions[page:page + 40]]
            ax = fig.add_axes((0.04, 0.05, 0.92, 0.88))
            ax.axis("off")
            if cells:
                table = ax.table(cellText=cells, colLabels=cols, loc="upper center", cellLoc="left")
                table.auto_set_font_size(False)
                table.set_fontsize(7)
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()
