"""The single page of a `deepcolor turing` study (HTML, CSS and script inline).

Response time runs from the image's `load` event to the click, so slow image
transfers do not count against the participant.
"""
from __future__ import annotations

import html

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Real or colorized?</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: sans-serif; max-width: 760px; margin: 2em auto; text-align: center; }
/* Every photo fills the same box whatever its pixel size, so size is no clue. */
#stage { width: min(512px, 62vh, 100%); height: min(512px, 62vh); margin: 1em auto;
         background: #777; }
#photo { width: 100%; height: 100%; object-fit: contain; }
button { font-size: 1.3em; margin: 0 .5em; padding: .4em 1.2em; }
.hidden { display: none; }
#error { color: #b00; }
.small { font-size: .85em; color: #555; }
</style></head>
<body>
<h1>Real or colorized?</h1>
<section id="intro">
  <p>You will see photos one at a time. Some are real colour photos; the others were
  colorized by a computer from a black-and-white version. For each photo, say whether
  you think it is <b>real</b> or <b>colorized</b> (keys R and C work too).</p>
  <p><label>Your name or code: <input id="participant" maxlength="100"
     value="__PARTICIPANT__"></label></p>
  <p><button id="start">Start</button></p>
</section>
<section id="trial" class="hidden">
  <p id="progress"></p>
  <div id="stage"><img id="photo" alt="photo to judge"></div>
  <p>Is this photo real or colorized?</p>
  <button id="answer-real" disabled>Real</button>
  <button id="answer-colorized" disabled>Colorized</button>
</section>
<section id="done" class="hidden">
  <h2>Thank you!</h2>
  <p id="spotted-line">You spotted <b id="spotted"></b> of <span id="colorized"></span>
  colorized photos; the other <span id="judged-real"></span> fooled you.</p>
  <p>Overall you were right about <span id="correct"></span> of <span id="total"></span> photos
  (guessing gets about half right).</p>
  <p class="small">For the study: turing fraction <span id="turing-fraction"></span>,
  public acceptance <span id="public-acceptance"></span> (the share of colorized photos
  taken for real).</p>
</section>
<p id="error" role="alert"></p>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let session = null, index = 0, shownAt = null, busy = false;

async function post(url, body) {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify(body)});
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}
function fail(e) { busy = false; $("error").textContent = "Error: " + e.message; }
function buttons(on) { $("answer-real").disabled = $("answer-colorized").disabled = !on; }

function show(data) {
  if (data.done) return finish(data.score);
  index = data.trial.index;
  $("progress").textContent = "Photo " + (index + 1) + " of " + data.total;
  buttons(false);
  shownAt = null;
  $("photo").src = data.trial.image;
}
$("photo").addEventListener("load", () => {
  shownAt = performance.now(); busy = false; buttons(true);
});
$("photo").addEventListener("error", () => fail(new Error("the photo did not load")));

async function answer(choice) {
  if (shownAt === null || busy) return;  // no answer before the photo is visible, no double clicks
  busy = true;
  buttons(false);
  const ms = Math.round(performance.now() - shownAt);
  try { show(await post("/api/answer", {session, index, answer: choice, ms})); }
  catch (e) { fail(e); buttons(true); }
}

function finish(score) {
  $("trial").classList.add("hidden");
  for (const key of ["correct", "total", "turing_fraction", "judged_real", "colorized",
                     "public_acceptance"]) {
    $(key.replace("_", "-")).textContent = score[key];
  }
  $("spotted").textContent = score.colorized - score.judged_real;
  $("done").classList.remove("hidden");
}

$("start").addEventListener("click", async () => {
  $("start").disabled = true;
  try {
    const data = await post("/api/start", {participant: $("participant").value});
    session = data.session;
    $("intro").classList.add("hidden");
    $("trial").classList.remove("hidden");
    show(data);
  } catch (e) { $("start").disabled = false; fail(e); }
});
$("answer-real").addEventListener("click", () => answer("real"));
$("answer-colorized").addEventListener("click", () => answer("colorized"));
document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT") return;
  if (e.key === "r" || e.key === "R") answer("real");
  if (e.key === "c" || e.key === "C") answer("colorized");
});
</script>
</body></html>
"""


def render_page(participant: str = "") -> str:
    return PAGE.replace("__PARTICIPANT__", html.escape(participant, quote=True))
