// Stripe Payment Element on the card payment page (only when Stripe itself is configured).
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") { return; }
  var stripe = window.Stripe(form.dataset.publishableKey, { locale: form.dataset.locale || "auto" });
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  var message = document.getElementById("payment-message");
  var button = document.getElementById("payment-submit");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached on an immediate error; success goes to the return page.
        if (result.error) { message.textContent = result.error.message || ""; }
        button.disabled = false;
      });
  });
})();
