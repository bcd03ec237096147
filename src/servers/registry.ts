import { CATALOGUE } from "./catalogue.js";
import type { CatalogueEntry } from "./entry.js";
import { type GenericServerConfig, genericEntry } from "./generic.js";
import { profileFromEntry, type ServerProfile } from "./profile.js";
import { sandboxEntry } from "./sandbox.js";

/** The catalogue entry an id names: a catalogue provider or the built-in sandbox. */
export function catalogueEntry(id: string, relayUrl: string): CatalogueEntry | undefined {
  if (id === "sandbox") return sandboxEntry(relayUrl);
  return CATALOGUE.find((entry) => entry.id === id);
}

/**
 * Resolves an app's `server` setting (a catalogue id or an operator-described server) to its
 * profile; an unknown id is the caller's to report.
 */
export function resolveServer(server: string | GenericServerConfig, relayUrl: string): ServerProfile | undefined {
  const entry = typeof server === "string" ? catalogueEntry(server, relayUrl) : genericEntry(server);
  return entry && profileFromEntry(entry);
}
