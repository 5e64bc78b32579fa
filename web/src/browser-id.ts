const KEY = 'pichat.browserId';

/**
 * This browser's own id, kept in its local storage: the server learns each browser's microphone separately (its
 * recogniser adapts to a microphone over turns). A fresh random id when none is stored or storage is unavailable
 * (private windows): that browser then starts from the model's defaults, as a new one does.
 */
export function browserId(): string {
  try {
    const known = localStorage.getItem(KEY);
    if (known && /^[A-Za-z0-9_-]{8,64}$/.test(known)) return known;
    const made = randomId();
    localStorage.setItem(KEY, made);
    return made;
  } catch {
    return randomId();
  }
}

/** 32 hex digits (getRandomValues: unlike randomUUID, also on a plain-http page). */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
