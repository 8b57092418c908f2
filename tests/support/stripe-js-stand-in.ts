/**
 * A stand-in for Stripe.js (https://js.stripe.com/…/stripe.js), for browser tests that cannot reach Stripe: just
 * what @stripe/react-stripe-js and the checkout's card field use. Its card element is a plain input; whatever is
 * typed there, `createPaymentMethod` answers the PaymentMethod id given here (a test payment method the Stripe
 * API stand-in knows), or Stripe's validation error when the input is left empty. `handleNextAction` plays the
 * bank's 3-D Secure check: it passes or fails the intent at the API stand-in (`api`: its URL; `threeDSecure`: the
 * shopper's answer, or one per check in turn, the last repeated) and resolves as Stripe.js does,
 * `{ paymentIntent }` or `{ error }`; "dismissed" closes the check without an answer (the intent still waits).
 * Every call is recorded in `window.__stripeStandIn.nextActions` (its client secret) for a test to count.
 */
export type ThreeDSecureAnswer = "authorized" | "declined" | "dismissed";

export function stripeJsStandIn(paymentMethodId: string, options: { api?: string; threeDSecure?: ThreeDSecureAnswer | ThreeDSecureAnswer[] } = {}): string {
  const answers = [options.threeDSecure ?? "authorized"].flat();
  return `(() => {
  const api = ${JSON.stringify(options.api ?? "")};
  const answers = ${JSON.stringify(answers)};
  const record = (window.__stripeStandIn = window.__stripeStandIn || { nextActions: [] });
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
      handleNextAction({ clientSecret }) {
        record.nextActions.push(clientSecret);
        const outcome = answers.length > 1 ? answers.shift() : answers[0];
        if (outcome === "dismissed") {
          return Promise.resolve({ error: { type: "invalid_request_error", code: "payment_intent_authentication_failure", message: "The check was closed." } });
        }
        const id = String(clientSecret).split("_secret_")[0];
        const body = new URLSearchParams({ client_secret: clientSecret, outcome, key });
        return fetch(api + "/v1/payment_intents/" + id + "/stand_in_authenticate", { method: "POST", body })
          .then((answer) => answer.json())
          .then((intent) => {
            if (intent.error) return { error: intent.error };
            if (intent.status === "requires_payment_method") {
              return { error: { type: "card_error", code: "payment_intent_authentication_failure", message: "We are unable to authenticate your payment method.", payment_intent: intent } };
            }
            return { paymentIntent: intent };
          });
      },
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
