/* Behaviour every page shares, from a static file so the production CSP needs no
   'unsafe-inline' (no inline handlers, no style attributes):
   - a form (or the button that sends it) with data-confirm="<question>" asks before it is sent
     (destructive actions);
   - an element with data-left / data-width (percent numbers, "12.5" or "12,5") is placed by
     setting its CSSOM style (timeline bars, progress bars), which CSP allows;
   - every table.grid sits in its own scroll box (div.table-box), so a wide table scrolls inside
     it and never widens the page; the box takes keyboard focus when it scrolls;
   - the navigation: on wide screens the menu is open and one area menu at a time drops down
     (Escape or a click elsewhere closes it); on phones it is the «Меню» button, which opens
     every area's links under its heading;
   - a select with data-search="<label>" gets a search box that filters its options;
   - a part of the page htmx swapped in (a form with hx-post) gets the same treatment, and a
     question declined under data-confirm stops htmx's request as well as the plain submit. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var button = event.submitter;  // a button may ask its own question (several actions in one form)
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();  // htmx listens on the form itself: it never hears the submit
    }
  }, true);

  function percent(value) {
    var number = parseFloat(String(value).replace(",", "."));
    return isNaN(number) ? null : number + "%";
  }

  function place() {
    document.querySelectorAll("[data-left],[data-width]").forEach(function (element) {
      var left = element.getAttribute("data-left");
      var width = element.getAttribute("data-width");
      if (left !== null && percent(left) !== null) {
        element.style.left = percent(left);
      }
      if (width !== null && percent(width) !== null) {
        element.style.width = percent(width);
      }
    });
  }

  function boxTables() {
    document.querySelectorAll("table.grid").forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-box") || parent.classList.contains("scroll") ||
          parent.classList.contains("scroll-x")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "table-box";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
    document.querySelectorAll(".table-box, .scroll, .scroll-x").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var caption = box.querySelector("caption");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      }
    });
  }

  var wide = window.matchMedia("(min-width: 900px)");

  function menus() {
    var menu = document.querySelector("details.menu");
    // wide: the navigation shows in the header and each area is a drop-down, closed;
    // phone: the navigation waits behind «Меню» and lists every area open, under its heading
    function fit() {
      if (menu) {
        menu.open = wide.matches;
      }
      document.querySelectorAll("details.drop").forEach(function (drop) {
        drop.open = !wide.matches;
      });
    }
    fit();
    wide.addEventListener("change", fit);
    document.addEventListener("toggle", function (event) {
      var opened = event.target;
      if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.classList.contains("drop") ||
          !wide.matches) {
        return;
      }
      document.querySelectorAll("details.drop[open]").forEach(function (other) {
        if (other !== opened) {
          other.open = false;
        }
      });
    }, true);
    function closeDrops(except) {
      document.querySelectorAll("details.drop[open]").forEach(function (drop) {
        if (!except || !drop.contains(except)) {
          drop.open = false;
        }
      });
    }
    document.addEventListener("click", function (event) {
      if (wide.matches) {
        closeDrops(event.target);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && wide.matches) {
        closeDrops(null);
      } else if (event.key === "Escape" && menu && menu.open) {
        menu.open = false;
      }
    });
  }

  // A long select (regions, companies) gets a search box above it that hides the options
  // not matching what is typed (selected options always stay visible).
  function searchableSelects() {
    document.querySelectorAll("select[data-search]:not([data-search-ready])").forEach(function (select) {
      select.setAttribute("data-search-ready", "");
      var box = document.createElement("input");
      box.type = "search";
      box.className = "select-search";
      box.setAttribute("aria-label", select.getAttribute("data-search"));
      box.placeholder = select.getAttribute("data-search");
      select.parentElement.insertBefore(box, select);
      box.addEventListener("input", function () {
        var needle = box.value.trim().toLowerCase();
        Array.prototype.forEach.call(select.options, function (option) {
          option.hidden = needle !== "" && !option.selected && option.value !== "" &&
            option.text.toLowerCase().indexOf(needle) === -1;
        });
      });
    });
  }

  function ready() {
    searchableSelects();
    place();
    boxTables();
    menus();
  }

  document.addEventListener("htmx:afterSettle", function () {
    searchableSelects();
    place();
    boxTables();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
