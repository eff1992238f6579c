/**
 * The other end of bench/staging-parts.ts's round trips: given a shared word, answers "ready", then spins
 * on the word; each 1 it sees, it sets back to 0 (the answer); a 2 ends it.
 */
declare const self: Worker

self.onmessage = (event: MessageEvent<SharedArrayBuffer>) => {
  const word = new Int32Array(event.data)
  self.postMessage("ready")
  for (;;) {
    const seen = Atomics.load(word, 0)
    if (seen === 2) break
    if (seen === 1) Atomics.store(word, 0, 0)
  }
}
