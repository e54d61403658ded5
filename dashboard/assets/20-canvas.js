// The canvas (dash-cytoscape exposes it as window.cy; it is made anew with the page).
//  - After a layout runs, ask dash-cytoscape to send the nodes' positions back
//    (it does so itself only after a drag, an addition or a removal), so that
//    the server places newcomers around where things are now.
//  - Keep the drawing in the tab's session storage as it changes, so that a
//    reload puts it back (canvas.py reads it when the page opens).
(function () {
  var SAVED = "nigah-canvas";
  var timer = null;
  function save(cy) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      try {
        var els = cy.elements().map(function (el) {
          var j = el.json();
          return el.isNode() ? {data: j.data, position: j.position} : {data: j.data};
        });
        window.sessionStorage.setItem(SAVED, JSON.stringify(els));
      } catch (e) { /* storage full or refused: the drawing is simply not kept */ }
    }, 300);
  }
  function watch() {
    var cy = window.cy;
    if (cy && !cy._nigahWatching) {
      cy._nigahWatching = true;
      cy.on("layoutstop", function () { cy.emit("dragfree"); });
      cy.on("add remove dragfree layoutstop data", function () { save(cy); });
    }
    setTimeout(watch, 500);
  }
  watch();
})();
