// The product page's variant picker: the radio buttons work without this; with it, the
// price, the stock and the photo follow the variant picked.
(function () {
  "use strict";
  var picker = document.querySelector("[data-variant-picker]");
  if (!picker) { return; }
  var form = picker.closest("form");
  var price = document.querySelector("[data-variant-price]");
  var stock = document.querySelector("[data-variant-stock]");
  var stockText = form.querySelector("[data-stock-text]");
  var quantity = form.querySelector("input[name=quantity]");
  var template = stockText ? stockText.getAttribute("data-template") : null;
  var mainPhoto = document.querySelector(".gallery-main figure img");
  // "Save to list" keeps the variant picked here (its own select works without this).
  var saveVariant = document.querySelector("select[data-save-variant]");

  function update(radio) {
    var left = parseInt(radio.getAttribute("data-stock"), 10) || 0;
    if (price) { price.textContent = radio.getAttribute("data-price"); }
    if (stock) {
      stock.textContent = left > 0 ? left + " " + stock.getAttribute("data-unit") : stock.getAttribute("data-out");
    }
    if (stockText && template) { stockText.textContent = template.replace("__N__", String(left)); }
    if (quantity) { quantity.max = String(left); }
    if (saveVariant) { saveVariant.value = radio.value; }
    var image = radio.getAttribute("data-image");
    if (image && mainPhoto) { mainPhoto.src = image; mainPhoto.removeAttribute("srcset"); }
  }

  picker.addEventListener("change", function (event) {
    if (event.target && event.target.name === "variant") { update(event.target); }
  });
  var checked = picker.querySelector("input[name=variant]:checked");
  if (checked) { update(checked); }
})();
