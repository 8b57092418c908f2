/**
 * A stand-in for Stripe.js (https://js.stripe.com/…/stripe.js), for browser tests that cannot reach Stripe: just
 * what @stripe/react-stripe-js and the checkout's card field use. Its card element is a plain input; whatever is
 * typed there, `createPaymentMethod` answers the PaymentMethod id given here (a test payment method the Stripe
 * API stand-in knows), or Stripe's validation error when the input is left empty.
 */
export function stripeJsStandIn(paymentMethodId: string): string {
  return `(() => {
  function Stripe(key) {
    const created = {};
    const elements = {
      create(type) {
        const handlers = {};
        let input = null;
        const element = {
          mount(target) {
            const node = typeof target === "string" ? document.querySelector(target) : target;
            input = document.createElement("input");
            input.setAttribute("aria-label", "Card number");
            input.style.cssText = "border:0;outline:0;width:100%;font:inherit";
            input.addEventListener("input", () => (handlers.change || []).forEach((h) => h({ elementType: type, empty: !input.value, complete: !!input.value })));
            node.appendChild(input);
            setTimeout(() => (handlers.ready || []).forEach((h) => h(element)), 0);
          },
          on(event, handler) { (handlers[event] = handlers[event] || []).push(handler); return element; },
          off(event, handler) { handlers[event] = (handlers[event] || []).filter((h) => h !== handler); return element; },
          update() {}, focus() { input && input.focus(); }, blur() {}, clear() { if (input) input.value = ""; },
          unmount() { input && input.remove(); }, destroy() { input && input.remove(); delete created[type]; },
          value() { return input ? input.value : ""; },
        };
        created[type] = element;
        return element;
      },
      getElement(type) { return created[typeof type === "string" ? type : type.__elementType] || null; },
      update() {}, fetchUpdates() { return Promise.resolve({}); }, submit() { return Promise.resolve({}); },
    };
    return {
      _registerWrapper() {}, registerAppInfo() {},
      elements() { return elements; },
      createToken() { return Promise.reject(new Error("not in the stand-in")); },
      confirmCardPayment() { return Promise.reject(new Error("not in the stand-in")); },
      createPaymentMethod({ card }) {
        if (!card.value()) return Promise.resolve({ error: { type: "validation_error", code: "incomplete_number", message: "Your card number is incomplete." } });
        return Promise.resolve({ paymentMethod: { id: ${JSON.stringify(paymentMethodId)}, object: "payment_method", type: "card" } });
      },
    };
  }
  Stripe.version = "endive";
  window.Stripe = Stripe;
})();`;
}
