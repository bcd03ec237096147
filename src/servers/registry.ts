import { dropbox } from "./dropbox.js";
import { type GenericServerConfig, genericProfile } from "./generic.js";
import { microsoft } from "./microsoft.js";
import type { ServerProfile } from "./profile.js";
import { sandboxProfile } from "./sandbox.js";

export const BUILT_IN_SERVER_IDS = ["dropbox", "microsoft", "sandbox"] as const;
export type BuiltInServerId = (typeof BUILT_IN_SERVER_IDS)[number];

/** Resolves an app's `server` setting (built-in id or generic object) to its profile. */
export function resolveServer(server: BuiltInServerId | GenericServerConfig, relayUrl: string): ServerProfile {
  if (typeof server !== "string") return genericProfile(server);
  switch (server) {
    case "dropbox":
      return dropbox;
    case "microsoft":
      return microsoft;
    case "sandbox":
      return sandboxProfile(relayUrl);
  }
}
