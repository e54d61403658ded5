// After a layout runs, tell dash-cytoscape to send the nodes' positions back
// (it does so itself only after a drag, an addition or a removal), so that the
// server places newcomers around where things are now, not where they were.
(function watch() {
  if (!window.cy || window.cy._nigahWatching) { setTimeout(watch, 300); return; }
  window.cy._nigahWatching = true;
  window.cy.on("layoutstop", function () { window.cy.emit("dragfree"); });
  setTimeout(watch, 1000);   // the canvas is made anew when the page is: watch the new one too
})();
