// Imported first by the data plane's entries (main.ts, workers/data-plane-worker.ts), for what it does
// on import: keep String.prototype in V8's fast mode, so that a string's methods (charCodeAt, indexOf,
// slice, startsWith...) are inlined in optimised code instead of looked up on every call.
//
// Why it is needed: a class that extends String (ioredis's VerbatimString, loaded with the data plane)
// makes V8 put String.prototype into dictionary mode, as it does with any object that newly becomes a
// prototype. V8 makes such a prototype fast again only when a property load misses on an object whose
// chain holds it, and a method called on a string primitive never counts (its receiver is not an
// object). TurboFan does not inline a load through a dictionary-mode prototype: every `text.charCodeAt`
// in optimised code became a call to the generic LoadIC builtin, the top symbol of the data plane's
// profile (docs/architecture.md, Where the time goes, 2026-12-07). Loads through a String wrapper object
// mark String.prototype as one that should stay fast (and make it fast now); a later `extends String`
// then leaves it fast.
//
// Why a loop: V8 gives a function its feedback, where a load's miss does the marking, only after a few
// calls (8 in Node 20's V8); 64 calls leave room and cost nothing measurable once at start.

/** Loads a String.prototype method through a wrapper object, as a property load that V8's IC sees. */
function methodOfWrapper(wrapper: object): unknown {
  return (wrapper as { charCodeAt?: unknown }).charCodeAt;
}

export function keepStringPrototypeFast(): void {
  for (let call = 0; call < 64; call++) methodOfWrapper(Object(''));
}

keepStringPrototypeFast();
