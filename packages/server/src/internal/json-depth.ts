import { BackendError } from '@localbackend/adapter';

/** How deep JSON request input (bodies, JSON query parameters) may nest. */
export const MAX_JSON_DEPTH = 100;

/**
 * Scans JSON text (without parsing it) and throws `INVALID_JSON` when arrays/objects nest deeper
 * than `max`. Linear and allocation-free, so hostile `[[[[...` bodies are refused before
 * `JSON.parse` spends time on them.
 */
export function assertJsonDepth(text: string, path: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) {
        throw new BackendError('INVALID_JSON', `${path}: JSON nests deeper than ${max} levels`, {
          details: { path, expected: `at most ${max} levels of nesting` },
        });
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
}

/** Parses JSON text given by a client; every failure is `INVALID_JSON` naming `path`. */
export function parseClientJson(text: string, path: string): unknown {
  assertJsonDepth(text, path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 160) : 'syntax error';
    throw new BackendError('INVALID_JSON', `${path}: not valid JSON (${reason})`, {
      details: { path, expected: 'valid JSON' },
    });
  }
}
