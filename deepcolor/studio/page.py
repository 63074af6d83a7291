"""The single page of `deepcolor serve` (HTML, CSS and script inline, nothing fetched
from elsewhere): drop or pick photos, each comes back as gray | colorized | original
with a download button for the colorized file."""
from __future__ import annotations

import html

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deepcolor: colorize photos</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
#drop { border: 3px dashed #888; border-radius: 12px; padding: 2.5em; text-align: center;
        color: #444; }
#drop.over { background: #eef; border-color: #447; }
.result { margin: 1.5em 0; border-top: 1px solid #ccc; padding-top: 1em; }
.panels { display: flex; gap: .6em; }
figure { flex: 1; margin: 0; text-align: center; }
figure img { width: 100%; max-height: 360px; object-fit: contain; background: #eee; }
.error { color: #b00; }
.small { font-size: .85em; color: #555; }
a.download { display: inline-block; margin-top: .5em; padding: .4em 1em; background: #247;
             color: white; border-radius: 6px; text-decoration: none; }
</style></head>
<body>
<h1>Colorize photos</h1>
<p class="small">Model: __MODEL__. Photos stay on this computer: they go to the
deepcolor server on 127.0.0.1, and the results are written into its output folder.
Up to __MAX_MB__ MB and __MAX_MP__ megapixels a photo (PNG, JPEG, GIF, WebP or BMP).</p>
<div id="drop">Drop photos here, or <label><u>choose files</u>
  <input id="files" type="file" accept="image/*" multiple hidden></label></div>
<p id="status" class="small"></p>
<div id="results"></div>
<script>
"use strict";
const results = document.getElementById("results");
const statusLine = document.getElementById("status");
let pending = 0;

function panel(label, src) {
  const figure = document.createElement("figure");
  const img = document.createElement("img");
  img.src = src; img.alt = label; img.className = "panel-" + label;
  const caption = document.createElement("figcaption");
  caption.textContent = label;
  figure.append(img, caption);
  return figure;
}

function show(name, reply) {
  const box = document.createElement("div");
  box.className = "result";
  const title = document.createElement("p");
  title.className = "name";
  title.textContent = name;
  box.append(title);
  if (reply.error) {
    const error = document.createElement("p");
    error.className = "error";
    error.textContent = "Not colorized: " + reply.error;
    box.append(error);
  } else {
    const panels = document.createElement("div");
    panels.className = "panels";
    panels.append(panel("gray", reply.gray), panel("colorized", reply.colorized),
                  panel("original", reply.original));
    const link = document.createElement("a");
    link.className = "download"; link.href = reply.colorized; link.download = reply.download;
    link.textContent = "Download colorized (" + reply.width + " x " + reply.height + ")";
    box.append(panels, link);
  }
  results.prepend(box);
}

async function send(file) {
  pending += 1;
  statusLine.textContent = "Colorizing " + pending + " photo(s)...";
  let reply;
  try {
    const response = await fetch("/api/colorize", {method: "POST", body: file,
      headers: {"Content-Type": "application/octet-stream",
                "X-Filename": encodeURIComponent(file.name)}});
    reply = await response.json();
  } catch (error) {
    reply = {error: "the server did not answer (" + error + ")"};
  }
  show(file.name, reply);
  pending -= 1;
  statusLine.textContent = pending ? "Colorizing " + pending + " photo(s)..." : "Done.";
}

async function sendAll(files) {
  for (const file of files) { await send(file); }  // one at a time: the CPU is shared
}

const drop = document.getElementById("drop");
drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", e => {
  e.preventDefault(); drop.classList.remove("over"); sendAll([...e.dataTransfer.files]);
});
document.getElementById("files").addEventListener("change", e => {
  sendAll([...e.target.files]); e.target.value = "";
});
</script>
</body></html>
"""


def render_page(model: str, max_mb: int, max_mp: int) -> str:
    return (PAGE.replace("__MODEL__", html.escape(model)).replace("__MAX_MB__", str(max_mb))
            .replace("__MAX_MP__", str(max_mp)))
