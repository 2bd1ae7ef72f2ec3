// ccq report: exact values of a bar or point on hover, tap and focus, from
// the <title> each one carries. Only textContent is used: the page's text
// stays text. No data reaches this script except through the DOM.
(function () {
  "use strict";
  var tip = document.createElement("div");
  tip.className = "tip";
  tip.setAttribute("role", "status");
  document.body.appendChild(tip);
  var marks = document.querySelectorAll("svg.chart .bar, svg.chart .pt");
  for (var i = 0; i < marks.length; i++) {
    var t = marks[i].querySelector("title");
    if (!t) continue;
    // The custom tip replaces the browser's, which would show as well.
    marks[i].setAttribute("data-tip", t.textContent);
    marks[i].setAttribute("aria-label", t.textContent);
    t.parentNode.removeChild(t);
  }
  var on = null;
  function show(el, x, y) {
    if (on && on !== el) on.classList.remove("on");
    on = el;
    el.classList.add("on");
    tip.textContent = el.getAttribute("data-tip");
    tip.classList.add("on");
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 12, window.innerWidth - w - 4)) + "px";
    tip.style.top = Math.max(4, y - h - 10) + "px";
  }
  function hide() {
    if (on) on.classList.remove("on");
    on = null;
    tip.classList.remove("on");
  }
  function target(e) {
    return e.target && e.target.closest ? e.target.closest("[data-tip]") : null;
  }
  document.addEventListener("pointermove", function (e) {
    var el = target(e);
    if (el) show(el, e.clientX, e.clientY);
    else if (e.pointerType === "mouse") hide();
  });
  document.addEventListener("pointerdown", function (e) {
    var el = target(e);
    if (el) show(el, e.clientX, e.clientY);
    else hide();
  });
  window.addEventListener("scroll", hide, { passive: true });
  // Printing shows every chart's table of numbers.
  window.addEventListener("beforeprint", function () {
    var d = document.querySelectorAll("details");
    for (var i = 0; i < d.length; i++) d[i].open = true;
  });
})();
