"""The workshop pages' style sheet: a readable projector, pages that work on a phone 390 px wide, clean printing."""

from __future__ import annotations

import solara

CSS = """
.bt-page { max-width: 1100px; margin: 0 auto; padding: 12px; min-width: 0; width: 100%; box-sizing: border-box; }
/* flex and grid items may shrink below their content's width, so wide tables scroll inside their box */
.bt-page .d-flex > *, .bt-page .row > *, .bt-page .v-card { min-width: 0; }
.bt-page h2 { font-size: 1.5rem; line-height: 1.3; margin: 8px 0; overflow-wrap: anywhere; }
.bt-page h3 { font-size: 1.2rem; margin: 8px 0; }
.bt-page h4 { font-size: 1.05rem; margin: 12px 0 4px; }
.bt-page p { overflow-wrap: anywhere; }
.bt-page .row { margin-left: 0; margin-right: 0; }
.bt-chart-wait { color: #78909c; padding: 24px 0; }
.bt-picture { display: block; width: 100%; height: auto; max-width: 100%; }
.bt-table-wrap { overflow-x: auto; max-width: 100%; }
.bt-table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
.bt-table th, .bt-table td { padding: 4px 8px; border-bottom: 1px solid #e0e0e0; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
.bt-table th { font-weight: 600; }
.bt-table .bt-right { text-align: right; }
.bt-table td.bt-right { white-space: nowrap; }
.bt-list { padding-left: 20px; margin: 4px 0 12px; }
.bt-list li { margin: 2px 0; overflow-wrap: anywhere; }
.bt-field { margin: 10px 0 6px; }
.bt-field-label { display: block; font-weight: 500; line-height: 1.3; white-space: normal; }
.bt-field-hint { display: block; color: #616161; font-size: 0.85rem; }
.bt-field .v-input { margin-top: 2px; padding-top: 0; }
.bt-page .v-input--checkbox .v-label, .bt-page .v-label { white-space: normal; height: auto; line-height: 1.3; }
.bt-page .v-btn { max-width: 100%; }
.bt-page .v-btn__content { white-space: normal; }
.bt-choice.v-btn-toggle { flex-wrap: wrap; max-width: 100%; }
/* the debrief's tabs wrap onto a second line on a narrow screen rather than hide off its edge */
.bt-page .v-tabs-bar { height: auto; }
.bt-page .v-slide-group__content { flex-wrap: wrap; flex: 1 1 0; min-width: 0; max-width: 100%; transform: none !important; }
.bt-page .v-slide-group__prev, .bt-page .v-slide-group__next { display: none !important; }
.bt-page .v-tab { min-width: 0; padding: 0 12px; height: 44px; }
.bt-actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.bt-confirm { border: 2px solid #f57c00; border-radius: 8px; padding: 8px 12px; margin: 8px 0; background: #fff8e1; }
.bt-banner { border-radius: 8px; padding: 10px 14px; margin: 8px 0; background: #eceff1; display: flex;
  flex-wrap: wrap; gap: 4px 16px; align-items: baseline; }
.bt-banner .bt-countdown { font-size: 1.6rem; }
.bt-countdown { font-variant-numeric: tabular-nums; font-weight: 700; }
.bt-countdown-up { color: #c62828; }
.bt-countdown-idle { font-weight: 400; color: #616161; font-size: 1rem !important; }
.bt-qr { width: 180px; max-width: 45vw; height: auto; image-rendering: pixelated; }
.bt-role-row { border-bottom: 1px solid #e0e0e0; padding: 6px 0; }
.bt-role-row .bt-role-name { font-weight: 600; }
.bt-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
.bt-link-card { border: 1px dashed #455a64; border-radius: 8px; padding: 8px; margin: 6px 0; overflow-wrap: anywhere; }
.bt-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin: 8px 0; }
.bt-tile { border: 3px solid #90a4ae; border-radius: 10px; padding: 6px 10px; background: #fff; min-width: 0; }
.bt-tile-role { font-weight: 700; overflow-wrap: anywhere; }
.bt-tile-team { overflow-wrap: anywhere; }
.bt-tile-state { font-size: 0.9rem; }
.bt-tile-deciding { background: #fff3e0; }
.bt-tile-in { background: #e8f5e9; opacity: 0.75; }
.bt-tile-model { background: #f5f5f5; opacity: 0.6; border-style: dashed; }

/* the projector view: everything in vh so it fits 1024x768 and 1920x1080 alike */
.bt-screen { padding: 1.2vh 1.5vw; max-width: none; }
.bt-screen-top { display: grid; grid-template-columns: minmax(0, 1.6fr) auto minmax(0, 1fr); gap: 2vw;
  align-items: center; }
.bt-screen-code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-weight: 700;
  font-size: min(9.5vh, 5.2vw); letter-spacing: 0.06em; line-height: 1.1; white-space: nowrap; }
.bt-screen-url { font-size: min(2.6vh, 1.6vw); overflow-wrap: anywhere; }
.bt-screen-label { font-size: min(2.4vh, 1.5vw); color: #546e7a; }
.bt-screen-qr { height: 22vh; width: 22vh; image-rendering: pixelated; }
.bt-screen-round { font-size: min(4vh, 2.4vw); font-weight: 700; line-height: 1.2; }
.bt-screen .bt-countdown { font-size: min(10vh, 6vw); line-height: 1.1; }
.bt-screen .bt-countdown-idle { font-size: min(3vh, 2vw) !important; }
.bt-screen .bt-tiles { grid-template-columns: repeat(auto-fit, minmax(min(150px, 18vw), 1fr)); gap: 0.8vw; }
.bt-screen .bt-tile { font-size: min(2.3vh, 1.4vw); padding: 0.6vh 0.8vw; }
.bt-screen .bt-tile-state { font-size: min(2vh, 1.2vw); }
.bt-screen-charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1vw; margin-top: 1vh; }
.bt-screen-charts .bt-picture { max-height: 46vh; object-fit: contain; }
.bt-screen-wait { font-size: min(3vh, 2vw); color: #546e7a; margin-top: 2vh; }

/* a phone: columns stack (ColumnsResponsive), inputs and buttons take the width */
@media (max-width: 600px) {
  .bt-page { padding: 6px; }
  .bt-page h2 { font-size: 1.25rem; }
  .bt-page .col { padding-left: 0; padding-right: 0; }
  .bt-page .v-card__text { padding: 8px; }
  .bt-actions .v-btn { flex: 1 1 auto; }
}

/* paper */
.bt-handout { max-width: 820px; margin: 0 auto; padding: 16px; }
.bt-handout table { border-collapse: collapse; }
.bt-handout th, .bt-handout td { border: 1px solid #bdbdbd; padding: 3px 6px; vertical-align: top; }
@media print {
  /* Solara scrolls the page inside a box the height of the screen: on paper, let it run over every page */
  html, body, #app, .v-application--wrap, .v-main, .v-content, .v-content__wrap, .v-content__wrap div {
    height: auto !important; max-height: none !important; overflow: visible !important; }
  .bt-no-print, header, nav, .v-app-bar, .v-toolbar { display: none !important; }
  .v-main { padding: 0 !important; }
  .bt-handout { max-width: none; padding: 0; font-size: 11pt; }
  .bt-handout-cards h2 ~ h2 { break-before: page; }
  .bt-handout h2, .bt-handout h3 { break-after: avoid; }
  .bt-handout table, .bt-handout tr, .bt-handout li, .bt-handout pre { break-inside: avoid; }
  @page { margin: 16mm 14mm; }
}
"""


@solara.component
def PageStyle() -> None:
    """Put the workshop's style sheet into the page."""
    solara.Style(CSS)
