// The payment result page re-checks by itself while Stripe's confirmation is on its way
// (the server re-reads the PaymentIntent; the browser never marks anything paid).
(function () {
  "use strict";
  var box = document.getElementById("payment-confirming");
  if (!box) { return; }
  var seconds = parseInt(box.dataset.recheckSeconds || "3", 10);
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
